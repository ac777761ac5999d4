// Renders the AsyncAPI document whose URL the page names in data-schema-url.
// A file, not an inline script, so the page's Content-Security-Policy can
// forbid inline scripts altogether.
(function () {
  "use strict";
  var root = document.getElementById("asyncapi");
  if (!root || typeof AsyncApiStandalone === "undefined") {
    if (root) {
      root.textContent = "The AsyncAPI viewer could not be loaded.";
    }
    return;
  }
  var sidebar = root.getAttribute("data-sidebar") !== "false";
  AsyncApiStandalone.render(
    {
      schema: {
        url: root.getAttribute("data-schema-url"),
        requestOptions: { credentials: "same-origin" },
      },
      config: {
        show: {
          sidebar: sidebar,
          info: true,
          servers: true,
          operations: true,
          messages: true,
          schemas: true,
          errors: true,
        },
        sidebar: { showServers: "byDefault", showOperations: "byDefault" },
      },
    },
    root
  );
})();

"""Serving the docs: responses for the page, JSON, YAML and assets; an ASGI app.

``docs_response`` is shared by the StreamRouter's routes
(``fastapi/docs.py``), :class:`AsyncAPIDocs` (for ``AsgiFastStream`` and
``make_asyncapi_asgi``) and :func:`serve_docs` (``docs serve``), so all of them
answer the same way, with the same security headers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from .html import Cdn, DocsPaths, asset, render_html, security_headers
from .render import to_json, to_yaml

Document = Mapping[str, Any] | Callable[[], Mapping[str, Any]]
Kind = Literal["html", "json", "yaml"]


def _headers(cdn: Cdn) -> dict[str, str]:
    return security_headers(cdn)


def docs_response(
    kind: Kind, document: Mapping[str, Any], paths: DocsPaths, *, cdn: Cdn = None
) -> Response:
    """The page (``"html"``), or the document as ``"json"`` or ``"yaml"``."""
    headers = _headers(cdn)
    if kind == "json":
        return Response(to_json(document), media_type="application/json", headers=headers)
    if kind == "yaml":
        return Response(
            to_yaml(document), media_type="application/yaml; charset=utf-8", headers=headers
        )
    page = render_html(
        dict(document), json_url=paths.json_link, static_url=paths.static_link, cdn=cdn
    )
    return Response(page, media_type="text/html; charset=utf-8", headers=headers)


def asset_response(name: str, *, cdn: Cdn = None) -> Response:
    """A static asset of the page; 404 for any name not in :data:`html.ASSETS`."""
    found = asset(name)
    headers = _headers(cdn)
    if found is None:
        return PlainTextResponse("Not Found", status_code=404, headers=headers)
    data, media_type = found
    headers["Cache-Control"] = "public, max-age=86400"
    return Response(data, media_type=media_type, headers=headers)


class AsyncAPIDocs:
    """An ASGI app serving the docs of ``document``: page, JSON, YAML and assets.

    ``document`` is the AsyncAPI dict or a callable returning it (called per
    request, so it reflects subscribers added later). It answers ``GET`` and
    ``HEAD``.

    With ``path`` (``"/asyncapi"``) it serves the paths of
    :class:`~.html.DocsPaths` and 404 elsewhere; :meth:`handles` tells a host
    application which paths to hand it. With ``path=None`` it serves whatever
    it is handed, by the path's shape: ``X.json``, ``X.yaml``,
    ``X/static/<asset>``, and the page for any other ``X`` - for hosts that
    route ``X``, ``X.json``, ``X.yaml`` and ``X/...`` to it.
    """

    def __init__(
        self, document: Document, *, path: str | None = "/asyncapi", cdn: Cdn = None
    ) -> None:
        self._document = document
        self.paths = DocsPaths.for_url(path) if path is not None else None
        self.cdn = cdn

    def document(self) -> Mapping[str, Any]:
        doc = self._document
        return doc() if callable(doc) else doc

    def handles(self, path: str) -> bool:
        p = self.paths
        if p is None:
            return True
        return path in (p.page, p.json, p.yaml) or path.startswith(p.static)

    def response_for(self, path: str) -> Response:
        p = self.paths
        if p is None:
            return self._by_shape(path)
        if path == p.page:
            return docs_response("html", self.document(), p, cdn=self.cdn)
        if path == p.json:
            return docs_response("json", self.document(), p, cdn=self.cdn)
        if path == p.yaml:
            return docs_response("yaml", self.document(), p, cdn=self.cdn)
        if path.startswith(p.static):
            return asset_response(path[len(p.static) :], cdn=self.cdn)
        if path == "/" and p.page != "/":
            return RedirectResponse(p.page.lstrip("/") or "/", status_code=307)
        return PlainTextResponse("Not Found", status_code=404, headers=_headers(self.cdn))

    def _by_shape(self, path: str) -> Response:
        if "/static/" in path:
            return asset_response(path.rpartition("/static/")[2], cdn=self.cdn)
        suffixes: tuple[tuple[str, Kind], ...] = ((".json", "json"), (".yaml", "yaml"))
        for suffix, kind in suffixes:
            if path.endswith(suffix):
                page = DocsPaths.for_url(path[: -len(suffix)])
                return docs_response(kind, self.document(), page, cdn=self.cdn)
        paths = DocsPaths.for_url(path)
        if path.endswith("/") and path != "/":
            # The page's relative links start from the directory ``path`` names.
            name = paths.page.rsplit("/", 1)[1]
            paths = replace(paths, json_link=f"../{name}.json", static_link="static/")
        return docs_response("html", self.document(), paths, cdn=self.cdn)

    def _local_path(self, scope: Scope) -> str:
        """The request path as :meth:`handles` knows it, whatever a mount did to it."""
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if self.handles(path) or not root:
            return path
        if path.startswith(root) and self.handles(path[len(root) :] or "/"):
            return path[len(root) :] or "/"
        if self.handles(root + path):
            return root + path
        return path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        if scope.get("method", "GET") not in ("GET", "HEAD"):
            response: Response = PlainTextResponse(
                "Method Not Allowed", status_code=405, headers={"Allow": "GET, HEAD"}
            )
        else:
            response = self.response_for(self._local_path(scope))
        await response(scope, receive, send)


def read_document(path: str | Path) -> dict[str, Any]:
    """An AsyncAPI document from a ``.json``, ``.yaml`` or ``.yml`` file."""
    text = Path(path).read_text(encoding="utf-8")
    if str(path).endswith(".json"):
        data = json.loads(text)
    else:
        import yaml

        data = yaml.safe_load(text)
    if not isinstance(data, dict) or "asyncapi" not in data:
        raise ValueError(f"{path} is not an AsyncAPI document")
    return data


def serve_docs(
    document: Document,
    host: str = "localhost",
    port: int = 8000,
    *,
    path: str = "/",
    cdn: Cdn = None,
    log_level: str = "info",
) -> None:
    """Serve the docs page of ``document`` with uvicorn until interrupted.

    The page is at ``path`` (``/`` by default), next to ``/asyncapi.json`` and
    ``/asyncapi.yaml``.
    """
    try:
        import uvicorn
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "serving docs needs uvicorn, from this project's cli extra"
            " (in its clone: pip install -e '.[cli]')"
        ) from exc
    app = AsyncAPIDocs(document, path=path, cdn=cdn)
    uvicorn.run(app, host=host, port=port, log_level=log_level, lifespan="on")

"""AsyncAPI documents (3.0.0 and 2.6.0) and their JSON, YAML and HTML forms.

- :func:`get_app_schema` builds the document of an app, router or broker;
- :func:`to_json` / :func:`to_yaml` write it out (``docs gen``);
- :class:`AsyncAPIDocs` is an ASGI app serving the page, ``.json``, ``.yaml``
  and the page's assets, :func:`serve_docs` runs it with uvicorn
  (``docs serve``), :func:`read_document` loads a saved document;
- :func:`render_html` and :func:`docs_response` are the pieces the
  StreamRouter's routes use.
"""

from .html import DEFAULT_CDN, UI_VERSION, DocsPaths, render_html, security_headers
from .render import to_json, to_yaml
from .schema import get_app_schema
from .site import AsyncAPIDocs, asset_response, docs_response, read_document, serve_docs

__all__ = [
    "DEFAULT_CDN",
    "UI_VERSION",
    "AsyncAPIDocs",
    "DocsPaths",
    "asset_response",
    "docs_response",
    "get_app_schema",
    "read_document",
    "render_html",
    "security_headers",
    "serve_docs",
    "to_json",
    "to_yaml",
]

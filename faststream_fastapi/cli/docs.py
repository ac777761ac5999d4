"""``docs gen`` and ``docs serve``: the AsyncAPI document of an app, as a file or a page."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ..asgi.server import resolve_binds, serve
from .loader import import_app


def document_of(target: str, *, version: str, app_dir: str, factory: bool) -> dict[str, Any]:
    """The document of ``module:app``, or the contents of a ``.json``/``.yaml`` file."""
    from ..asyncapi import get_app_schema, read_document

    if ":" not in target and Path(target).suffix in (".json", ".yaml", ".yml"):
        return read_document(target)

    app = import_app(target, app_dir=app_dir, factory=factory)
    return get_app_schema(app, version, app=app)


def gen(document: dict[str, Any], *, as_yaml: bool, out: str | None) -> str:
    """Write the document; ``out`` defaults to ``asyncapi.json``/``.yaml``, ``-`` is stdout."""
    from ..asyncapi import to_json, to_yaml

    text = to_yaml(document) if as_yaml else to_json(document, indent=2)
    if out == "-":
        print(text)
        return "-"
    path = Path(out or ("asyncapi.yaml" if as_yaml else "asyncapi.json"))
    path.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
    return str(path)


def serve_docs(document: dict[str, Any], *, host: str, port: int, log_level: int) -> bool:
    """Serve the page at ``/`` and the document at ``/asyncapi.json`` and ``/asyncapi.yaml``."""
    from ..asyncapi import AsyncAPIDocs

    site = AsyncAPIDocs(document, path="/")
    return asyncio.run(serve(site, resolve_binds(host, port), lifespan="on", log_level=log_level))

"""``docs gen`` and ``docs serve``: the AsyncAPI document of an app, as a file or a page."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import yaml

from ..asgi.factories import AsyncAPIPage
from ..asgi.server import resolve_binds, serve
from ..asyncapi import get_app_schema, to_yaml
from .loader import import_app


def document_of(target: str, *, version: str, app_dir: str, factory: bool) -> dict[str, Any]:
    """The document of ``module:app``, or the contents of a ``.json``/``.yaml`` file."""
    if ":" not in target and Path(target).suffix in (".json", ".yaml", ".yml"):
        text = Path(target).read_text(encoding="utf-8")
        loaded = json.loads(text) if target.endswith(".json") else yaml.safe_load(text)
        if not isinstance(loaded, dict):
            raise ValueError(f"{target} does not hold an AsyncAPI document")
        return loaded
    app = import_app(target, app_dir=app_dir, factory=factory)
    return get_app_schema(app, version, app=app)


def gen(document: dict[str, Any], *, as_yaml: bool, out: str | None) -> str:
    """Write the document; ``out`` defaults to ``asyncapi.json``/``.yaml``, ``-`` is stdout."""
    text = to_yaml(document) if as_yaml else json.dumps(document, indent=2, ensure_ascii=False)
    if out == "-":
        print(text)
        return "-"
    path = Path(out or ("asyncapi.yaml" if as_yaml else "asyncapi.json"))
    path.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
    return str(path)


def serve_docs(document: dict[str, Any], *, host: str, port: int, log_level: int) -> bool:
    """Serve the page at ``/`` and the document at ``/asyncapi.json`` and ``/asyncapi.yaml``."""
    page = AsyncAPIPage(lambda: document)
    return asyncio.run(
        serve(page, resolve_binds(host, port), lifespan="off", log_level=log_level)
    )

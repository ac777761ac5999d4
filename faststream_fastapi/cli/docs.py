"""``docs gen`` and ``docs serve``: the AsyncAPI document of an app, as a file or a page."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from ..asgi.server import resolve_binds, serve
from .loader import describe, import_app, is_app
from .parser import UsageError

DOCUMENT_SUFFIXES = (".json", ".yaml", ".yml")


def watched_document(target: str) -> list[Path]:
    """The document file ``docs serve --reload`` watches besides the sources, if any."""
    if ":" not in target and Path(target).suffix in DOCUMENT_SUFFIXES:
        return [Path(target).resolve()]
    return []


def document_of(target: str, *, version: str, app_dir: str, factory: bool) -> dict[str, Any]:
    """The document of ``module:app``, or the contents of a ``.json``/``.yaml`` file."""
    from ..asyncapi import get_app_schema, read_document
    from ..asyncapi.schema import brokers_of

    if ":" not in target and Path(target).suffix in DOCUMENT_SUFFIXES:
        if not Path(target).is_file():
            raise UsageError(f"no document file {target!r}")
        return read_document(target)

    app = import_app(target, app_dir=app_dir, factory=factory)
    if not brokers_of(app) and not is_app(app):
        raise UsageError(
            f"{target!r} is {describe(app)}, with no broker to describe"
            " (name an app, a broker or a router, e.g. main:app)"
        )
    return get_app_schema(app, version, app=app)


def gen(document: dict[str, Any], *, as_yaml: bool, out: str | None) -> str:
    """Write the document; ``out`` defaults to ``asyncapi.json``/``.yaml``, ``-`` is stdout."""
    from ..asyncapi import to_json, to_yaml

    text = to_yaml(document) if as_yaml else to_json(document, indent=2)
    if out == "-":
        print(text)
        sys.stdout.flush()  # a closed pipe is reported here, not at exit
        return "-"
    path = Path(out or ("asyncapi.yaml" if as_yaml else "asyncapi.json"))
    path.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
    return str(path)


def docs_serve_args(args: argparse.Namespace) -> list[str]:
    """``docs serve`` arguments for the child that ``--reload`` restarts."""
    child = ["docs", "serve", args.app, "--host", args.host, "--port", str(args.port)]
    child += ["--version", args.version, "--app-dir", args.app_dir]
    return [*child, "--factory"] if args.factory else child


def serve_docs(document: dict[str, Any], *, host: str, port: int, log_level: int) -> bool:
    """Serve the page at ``/`` and the document at ``/asyncapi.json`` and ``/asyncapi.yaml``."""
    from ..asyncapi import AsyncAPIDocs

    site = AsyncAPIDocs(document, path="/")
    return asyncio.run(serve(site, resolve_binds(host, port), lifespan="on", log_level=log_level))

"""``faststream-fastapi``: ``run`` an app, ``docs gen`` / ``docs serve`` its AsyncAPI document.

``run module:app`` serves an ASGI app (``AsgiFastStream``, FastAPI, any ASGI
callable) with uvicorn, or with gunicorn and uvicorn workers for
``--workers N``; a plain ``FastStream`` app runs its broker without HTTP.
Options ``run`` does not know (``--env prod``) go to the ``on_startup`` hooks.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from typing import Any

from ..app import FastStream
from ..asgi.app import AsgiFastStream
from ..asgi.server import parse_bind, resolve_binds, serve
from ..core.errors import FastStreamError
from .loader import AppNotFoundError, import_app
from .options import parse_extra_options

logger = logging.getLogger("faststream_fastapi")

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_STARTUP_FAILED = 3


class UsageError(Exception):
    """A command line that cannot work; reported as one line, exit status 2."""


_LEVELS = {"critical": 50, "error": 40, "warning": 30, "info": 20, "debug": 10, "notset": 0}


def log_level(value: str) -> int:
    if value.lower() in _LEVELS:
        return _LEVELS[value.lower()]
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"unknown log level {value!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="faststream-fastapi", description=__doc__.splitlines()[0] if __doc__ else None
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        allow_abbrev=False,
        help="run an app; unknown --key value options go to its on_startup hooks",
    )
    run.add_argument("app", help="module:app, e.g. main:app")
    run.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    run.add_argument("--port", type=int, default=None, help="port to listen on (default 8000)")
    run.add_argument("--workers", type=int, default=1, help="number of worker processes")
    run.add_argument(
        "--bind",
        action="extend",
        nargs="+",
        default=[],
        help="host:port, [::]:port, unix:/path.sock or fd://N; may repeat",
    )
    run.add_argument("--reload", action="store_true", help="restart when a .py file changes")
    run.add_argument("--factory", action="store_true", help="app is a function returning the app")
    run.add_argument("--app-dir", default=".", help="directory to import the app from")
    run.add_argument("--log-level", type=log_level, default=logging.INFO, help="e.g. info, debug")

    docs = commands.add_parser("docs", help="the AsyncAPI document of an app")
    docs_commands = docs.add_subparsers(dest="docs_command", required=True)
    gen = docs_commands.add_parser("gen", help="write the document to a file")
    gen.add_argument("app", help="module:app")
    gen.add_argument("--yaml", action="store_true", help="YAML instead of JSON")
    gen.add_argument("--out", default=None, help="file to write ('-' for stdout)")
    gen.add_argument("--version", default="3.0.0", help="AsyncAPI version: 3.0.0 or 2.6.0")
    gen.add_argument("--factory", action="store_true")
    gen.add_argument("--app-dir", default=".")
    serve_ = docs_commands.add_parser("serve", help="serve the documentation page")
    serve_.add_argument("app", help="module:app, or a .json/.yaml document")
    serve_.add_argument("--host", default="127.0.0.1")
    serve_.add_argument("--port", type=int, default=8000)
    serve_.add_argument("--version", default="3.0.0")
    serve_.add_argument("--factory", action="store_true")
    serve_.add_argument("--app-dir", default=".")
    return parser


def _setup_logging(level: int) -> None:
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(level)


def _child_args(args: argparse.Namespace, extra: Sequence[str]) -> list[str]:
    """``run`` arguments for one worker process (no ``--workers``, no ``--reload``)."""
    child = ["run", args.app, "--app-dir", args.app_dir, "--log-level", str(args.log_level)]
    if args.factory:
        child.append("--factory")
    if args.host is not None:
        child += ["--host", args.host]
    if args.port is not None:
        child += ["--port", str(args.port)]
    if args.bind:
        child += ["--bind", *args.bind]
    return [*child, *extra]


def _run(args: argparse.Namespace, extra: list[str]) -> int:
    try:
        options = parse_extra_options(extra)
        binds = resolve_binds(args.host, args.port, args.bind)
        for bind in binds:
            parse_bind(bind)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    _setup_logging(args.log_level)
    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, not {args.workers}")
    if args.reload:
        if args.workers > 1:
            raise UsageError("--reload and --workers cannot be combined")
        from .processes import run_with_reload

        return run_with_reload(_child_args(args, extra), args.app_dir)

    app: Any = import_app(args.app, app_dir=args.app_dir, factory=args.factory)
    is_faststream = isinstance(app, FastStream | AsgiFastStream)
    if not is_faststream and not callable(app):
        raise UsageError(
            f"{args.app!r} is a {type(app).__name__}, not a FastStream app or an ASGI application"
        )
    if is_faststream and not callable(app):
        # A plain FastStream app: the broker only, no HTTP.
        if args.host or args.port or args.bind:
            logger.warning("%s serves no HTTP; --host, --port and --bind are ignored", args.app)
        if args.workers > 1:
            from .processes import run_workers

            return run_workers(_child_args(args, extra), args.workers)
        try:
            asyncio.run(app.run(log_level=args.log_level, run_extra_options=options))
        except FastStreamError as exc:  # our errors say what is wrong: no traceback
            logger.error("%s failed: %s: %s", args.app, type(exc).__name__, exc)
            return EXIT_FAILED
        except Exception:
            logger.exception("%s failed", args.app)
            return EXIT_FAILED
        return 0

    if is_faststream:
        app._run_options.update(options)
    elif options:
        logger.warning(
            "%s is not a FastStream app: options %s are ignored", args.app, ", ".join(options)
        )
    if args.workers > 1:
        from .gunicorn_runner import run_gunicorn

        return run_gunicorn(app, binds, args.workers, args.log_level, options)
    lifespan = "on" if is_faststream else "auto"
    try:
        started = asyncio.run(serve(app, binds, lifespan=lifespan, log_level=args.log_level))
    except OSError as exc:  # e.g. the address is in use
        raise UsageError(f"cannot listen on {', '.join(binds)}: {exc}") from None
    return 0 if started else EXIT_STARTUP_FAILED


def _docs(args: argparse.Namespace) -> int:
    from .docs import document_of, gen, serve_docs

    document = document_of(
        args.app, version=args.version, app_dir=args.app_dir, factory=args.factory
    )
    if args.docs_command == "gen":
        written = gen(document, as_yaml=args.yaml, out=args.out)
        if written != "-":
            print(f"AsyncAPI document written to {written}", file=sys.stderr)
        return 0
    _setup_logging(logging.INFO)
    return 0 if serve_docs(document, host=args.host, port=args.port, log_level=logging.INFO) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """The ``faststream-fastapi`` command; returns its exit status."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    try:
        if args.command == "run":
            status = _run(args, extra)
        else:
            if extra:
                parser.error(f"unrecognized arguments: {' '.join(extra)}")
            status = _docs(args)
    except (AppNotFoundError, UsageError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        status = EXIT_USAGE
    except KeyboardInterrupt:
        status = 0
    return status

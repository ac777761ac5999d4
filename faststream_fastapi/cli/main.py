"""The ``faststream-fastapi`` command: ``run`` an app, ``docs gen`` / ``docs serve`` its document.

``run module:app`` serves an ASGI app (``AsgiFastStream``, FastAPI, any ASGI
callable) with uvicorn, or with gunicorn and uvicorn workers for
``--workers N``; a plain ``FastStream`` app runs its broker without HTTP.
Options ``run`` does not know (``--env prod``) go to the ``on_startup`` hooks.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any

from ..app import FastStream
from ..asgi.app import AsgiFastStream
from ..asgi.server import parse_bind, resolve_binds, serve
from ..core.errors import FastStreamError
from ..core.logs import ContextFormatter
from ..core.startup_failure import short_startup_failure
from .loader import AppNotFoundError, describe, import_app, is_app
from .loop import chosen_loop, run_on
from .options import parse_extra_options
from .parser import EXIT_USAGE, UsageError, parser

logger = logging.getLogger("faststream_fastapi")

EXIT_FAILED = 1
EXIT_STARTUP_FAILED = 3


def _setup_logging(level: int) -> None:
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(ContextFormatter())
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(level)


def load_app(args: argparse.Namespace) -> Any:
    """The app ``args.app`` names: a ``FastStream`` app or an ASGI application."""
    app = import_app(args.app, app_dir=args.app_dir, factory=args.factory)
    if is_app(app):
        return app
    raise UsageError(
        f"{args.app!r} is {describe(app)}, not a FastStream app or an ASGI application"
        " (name the app object, e.g. main:app)"
    )


def _child_args(args: argparse.Namespace, extra: Sequence[str]) -> list[str]:
    """``run`` arguments for one worker process (no ``--workers``, no ``--reload``)."""
    child = ["run", args.app, "--app-dir", args.app_dir, "--log-level", str(args.log_level)]
    child += ["--workers", "1"]  # not the environment's
    child += ["--loop", args.loop]
    if args.factory:
        child.append("--factory")
    if args.host is not None:
        child += ["--host", args.host]
    if args.port is not None:
        child += ["--port", str(args.port)]
    for bind in args.bind:
        child += ["--bind", bind]
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
    args.loop = chosen_loop(args.loop)  # "asyncio" or "uvloop" from here on, children's too
    if args.reload:
        if args.workers > 1:
            raise UsageError("--reload and --workers cannot be combined")
        from .reload import run_with_reload

        return run_with_reload(_child_args(args, extra), args.app_dir)

    app: Any = load_app(args)
    if args.workers > 1:
        from .fanout import warn_fan_out

        warn_fan_out(app, args.app, args.workers, logger)
    if not callable(app):
        return _run_plain(app, args, extra, options)
    if isinstance(app, FastStream | AsgiFastStream):
        app._run_options.update(options)
    else:
        if options:
            logger.warning(
                "%s is not a FastStream app: options %s are ignored", args.app, ", ".join(options)
            )
        app = short_startup_failure(app)
    if args.workers > 1:
        from .gunicorn_runner import run_gunicorn

        return run_gunicorn(app, binds, args.workers, args.log_level, options, loop=args.loop)
    lifespan = "on" if isinstance(app, FastStream | AsgiFastStream) else "auto"
    try:
        started = run_on(args.loop, serve(app, binds, lifespan=lifespan, log_level=args.log_level))
    except OSError as exc:  # e.g. the address is in use
        raise UsageError(f"cannot listen on {', '.join(binds)}: {exc}") from None
    return 0 if started else EXIT_STARTUP_FAILED


def _run_plain(
    app: FastStream, args: argparse.Namespace, extra: list[str], options: dict[str, Any]
) -> int:
    """A plain FastStream app: the broker only, no HTTP."""
    if args.host or args.port or args.bind:
        logger.warning("%s serves no HTTP; --host, --port and --bind are ignored", args.app)
    if args.workers > 1:
        from .processes import run_workers

        return run_workers(_child_args(args, extra), args.workers)
    try:
        run_on(args.loop, app.run(log_level=args.log_level, run_extra_options=options))
    except FastStreamError as exc:  # our errors say what is wrong: no traceback
        logger.error("%s failed: %s: %s", args.app, type(exc).__name__, exc)
        return EXIT_FAILED
    except Exception:
        logger.exception("%s failed", args.app)
        return EXIT_FAILED
    return 0


def _docs(args: argparse.Namespace) -> int:
    from .docs import docs_serve_args, document_of, gen, serve_docs, watched_document

    if args.docs_command == "serve" and args.reload:
        from .reload import run_with_reload

        _setup_logging(logging.INFO)
        document_file = watched_document(args.app)
        return run_with_reload(docs_serve_args(args), args.app_dir, extra_files=document_file)
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
    command_line = parser()
    args, extra = command_line.parse_known_args(argv)
    try:
        if args.command == "run":
            status = _run(args, extra)
        else:
            if extra:
                command_line.error(f"unrecognized arguments: {' '.join(extra)}")
            status = _docs(args)
    except (AppNotFoundError, UsageError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        status = EXIT_USAGE
    except KeyboardInterrupt:
        status = 0
    except BrokenPipeError:
        status = _quiet_broken_pipe()
    return status


def _quiet_broken_pipe() -> int:
    """The reader of stdout went away (``docs gen --out - | head``): end without a word.

    Python would report the pipe again when it flushes stdout at exit, so stdout
    is pointed at ``/dev/null`` first.
    """
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_FAILED

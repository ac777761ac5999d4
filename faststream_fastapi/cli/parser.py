"""The command line's grammar: commands, options, their help and environment defaults."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

PROG = "faststream-fastapi"
EXIT_USAGE = 2

#: Environment prefixes for option defaults, the first that is set wins.
ENV_PREFIXES = ("FASTSTREAM_FASTAPI_", "FASTSTREAM_")
ASYNCAPI_VERSIONS = ("3.0.0", "2.6.0")
#: ``run --loop`` values: uvloop when installed, asyncio's own loop, uvloop or fail.
LOOPS = ("auto", "asyncio", "uvloop")
_LEVELS = {"critical": 50, "error": 40, "warning": 30, "info": 20, "debug": 10, "notset": 0}


class UsageError(Exception):
    """A command line that cannot work; reported as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose mistakes are one line ``Error: ...``, exit status 2."""

    def error(self, message: str) -> NoReturn:
        print(f"Error: {message} (see '{self.prog} --help')", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def log_level(value: str) -> int:
    if value.lower() in _LEVELS:
        return _LEVELS[value.lower()]
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"unknown log level {value!r}") from None


def one_of(choices: tuple[str, ...]) -> Callable[[str], str]:
    """A ``type=`` that takes only ``choices``.

    argparse checks ``choices=`` on the command line only, not a default read
    from the environment; a ``type`` is applied to both.
    """

    def check(value: str) -> str:
        if value in choices:
            return value
        raise argparse.ArgumentTypeError(
            f"invalid choice: {value!r} (choose from {', '.join(choices)})"
        )

    return check


def env_default(name: str, default: str) -> str:
    """``FASTSTREAM_FASTAPI_<name>``, else ``FASTSTREAM_<name>``, else ``default``.

    argparse converts a string default with the option's type, so a bad value in
    the environment is reported like a bad value on the command line.
    """
    for prefix in ENV_PREFIXES:
        value = os.environ.get(prefix + name)
        if value:
            return value
    return default


def _env_option(
    parser: argparse.ArgumentParser, flag: str, name: str, default: str, text: str, **kwargs: Any
) -> None:
    """Add ``flag``, its default read from the environment (see ``env_default``)."""
    parser.add_argument(
        flag,
        default=env_default(name, default),
        help=f"{text} [env FASTSTREAM_FASTAPI_{name} or FASTSTREAM_{name}]",
        **kwargs,
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("faststream_fastapi")
    except PackageNotFoundError:  # imported from a source tree that is not installed
        from .. import __version__

        return __version__


def _app_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--factory",
        action="store_true",
        help=f"{what} is a function that returns the app; call it",
    )
    _env_option(
        parser,
        "--app-dir",
        "APP_DIR",
        ".",
        "directory to import the app from, put first on sys.path",
        metavar="DIR",
    )


def _run_parser(commands: argparse._SubParsersAction[Parser]) -> None:
    run = commands.add_parser(
        "run",
        allow_abbrev=False,
        help="run an app; unknown --key value options go to its on_startup hooks",
        description="Run an app: an ASGI app with uvicorn (gunicorn for --workers N), "
        "a plain FastStream app without HTTP. Unknown --key value options go to the "
        "app's on_startup hooks.",
    )
    run.add_argument("app", help="the app as module:attribute, e.g. main:app")
    run.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    run.add_argument("--port", type=int, default=None, help="port to listen on (default 8000)")
    run.add_argument(
        "--bind",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="host:port, [::]:port, unix:/path.sock or fd://N; repeat for several",
    )
    _env_option(
        run,
        "--workers",
        "WORKERS",
        "1",
        "number of worker processes (default 1)",
        type=int,
        metavar="N",
    )
    run.add_argument("--reload", action="store_true", help="restart when a .py file changes")
    _env_option(
        run,
        "--log-level",
        "LOG_LEVEL",
        "info",
        "debug, info, warning, error or a number (default info)",
        type=log_level,
        metavar="LEVEL",
    )
    _env_option(
        run,
        "--loop",
        "LOOP",
        "auto",
        "event loop: auto (the default) is uvloop when installed, else asyncio",
        type=one_of(LOOPS),
        metavar="{" + ",".join(LOOPS) + "}",
    )
    _app_options(run, "the app")


def _docs_parsers(commands: argparse._SubParsersAction[Parser]) -> None:
    docs = commands.add_parser(
        "docs",
        help="write or serve the AsyncAPI document of an app",
        description="Write or serve the AsyncAPI document of an app.",
    )
    docs_commands = docs.add_subparsers(dest="docs_command", required=True, metavar="COMMAND")
    gen = docs_commands.add_parser(
        "gen",
        help="write the document to a file",
        description="Write the AsyncAPI document of an app to a file, or to stdout.",
    )
    gen.add_argument("app", help="the app as module:attribute, e.g. main:app")
    gen.add_argument("--yaml", action="store_true", help="write YAML instead of JSON")
    gen.add_argument(
        "--out",
        default=None,
        metavar="FILE",
        help="file to write, '-' for stdout (default asyncapi.json or asyncapi.yaml)",
    )
    _asyncapi_version(gen)
    _app_options(gen, "the app")

    serve = docs_commands.add_parser(
        "serve",
        help="serve the documentation page",
        description="Serve the AsyncAPI page of an app, or of a saved document, at / "
        "with the document at /asyncapi.json and /asyncapi.yaml.",
    )
    serve.add_argument(
        "app", help="the app as module:attribute, or a .json, .yaml or .yml document"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default %(default)s)"
    )
    serve.add_argument(
        "--port", type=int, default=8000, help="port to listen on (default %(default)s)"
    )
    _asyncapi_version(serve)
    serve.add_argument(
        "--reload",
        action="store_true",
        help="restart when a .py file (or the served document) changes",
    )
    _app_options(serve, "the app")


def _asyncapi_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--version",
        default=ASYNCAPI_VERSIONS[0],
        choices=ASYNCAPI_VERSIONS,
        help="AsyncAPI version of the document (default %(default)s)",
    )


def parser() -> Parser:
    """The parser of the whole command line."""
    top = Parser(
        prog=PROG,
        description="Run an app that consumes broker messages, or write and serve its "
        "AsyncAPI document.",
    )
    top.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _run_parser(commands)
    _docs_parsers(commands)
    return top

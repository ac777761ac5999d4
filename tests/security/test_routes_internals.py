"""Health and docs routes expose no internals; docs routes can be protected.

- A failing probe answers with its status and an empty body, whatever the
  failure said (host names, versions, tracebacks stay out of the answer).
- A docs route whose document cannot be built answers a bare 500.
- FastAPI: ``docs_dependencies=`` guard the docs routes (not the subscribers),
  ``add_ready_route(dependencies=...)`` the readiness route
  (``examples/production/protected_docs.py``).
- ``AsgiFastStream``: a wrapping ASGI app guards the docs
  (``examples/production/protected_asgi_docs.py``).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI, HTTPException
from fastapi.testclient import TestClient

import faststream_fastapi.fastapi.docs
from faststream_fastapi.asgi import AsgiFastStream, make_ping_asgi, make_ready_asgi
from faststream_fastapi.asgi.factories import make_asyncapi_asgi
from faststream_fastapi.asyncapi.html import ASSETS
from faststream_fastapi.core.broker import Broker
from faststream_fastapi.redis import TestRedisBroker
from faststream_fastapi.redis.fastapi import RedisRouter
from support import StubTransport, asgi_client, wait_for

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "production"
#: What a failure knows and an answer must not show.
INTERNAL = "db-7.internal.example:5432 (server 9.9.1)"
ASSET = sorted(ASSETS)[0]


class BrokenTransport(StubTransport):
    """Connects, then fails every ping with internal details (or hangs past the timeout)."""

    def __init__(self, hang: bool = False) -> None:
        self.hang = hang

    async def ping(self, timeout: float) -> bool:
        if self.hang:
            await asyncio.sleep(60)
        raise ConnectionError(f"lost {INTERNAL}\nTraceback (most recent call last): ...")


def assert_terse(reply: httpx.Response, status: int) -> None:
    """The status and nothing else: no body, no header beyond its length."""
    assert reply.status_code == status
    assert reply.content == b""
    assert {name.lower() for name, _ in reply.headers.multi_items()} <= {"content-length"}
    assert INTERNAL not in str(reply.headers)


@pytest.mark.parametrize("hang", [False, True], ids=["raises", "hangs"])
async def test_failing_probes_answer_only_a_status(hang: bool) -> None:
    broker = Broker(BrokenTransport(hang=hang))
    asgi = AsgiFastStream(
        broker,
        asgi_routes=[
            ("/ping", make_ping_asgi(broker, timeout=0.2)),
            ("/ready", make_ready_asgi(broker, timeout=0.2)),
        ],
    )
    router = RedisRouter(schema_url=None)
    router.broker = broker  # type: ignore[assignment]
    router.add_ready_route("/ready", timeout=0.2)
    app = FastAPI()
    app.include_router(router)
    await broker.start()
    try:
        async with asgi_client(asgi) as plain, asgi_client(app) as web:
            assert_terse(await plain.get("/ping"), 500)
            assert_terse(await plain.get("/ready"), 503)
            assert_terse(await web.get("/ready"), 503)
            assert_terse(await plain.head("/ping"), 500)
    finally:
        await broker.close()


async def test_healthy_probes_answer_204_with_no_body() -> None:
    router = RedisRouter(schema_url=None)
    router.add_ready_route("/ready")
    asgi = AsgiFastStream(router.broker, asgi_routes=[("/ping", make_ping_asgi(router.broker))])
    app = FastAPI()
    app.include_router(router)
    async with TestRedisBroker(router.broker), asgi_client(asgi) as plain, asgi_client(app) as web:
        assert_terse(await plain.get("/ping"), 204)
        assert_terse(await web.get("/ready"), 204)


async def test_asgi_docs_route_error_is_a_bare_500(caplog: pytest.LogCaptureFixture) -> None:
    broker = Broker(BrokenTransport())
    app = AsgiFastStream(broker)
    # An unsupported version fails on every request, as a bug in a schema would.
    app.mount("/docs", make_asyncapi_asgi(app, version="4.0.0"))
    with caplog.at_level(logging.ERROR, logger="faststream_fastapi.asgi"):
        async with asgi_client(app) as client:
            for path in ("/docs", "/docs.json", "/docs.yaml"):
                reply = await client.get(path)
                assert reply.status_code == 500
                assert reply.text == "Internal Server Error"
    # The cause is in the log, for the operator; not in the answer.
    assert any("4.0.0" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_fastapi_docs_route_error_is_a_bare_500(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise RuntimeError(f"cannot describe {INTERNAL}")

    monkeypatch.setattr(faststream_fastapi.fastapi.docs, "get_app_schema", broken)
    router = RedisRouter()
    app = FastAPI()
    app.include_router(router)
    client = TestClient(app, raise_server_exceptions=False)
    for path in ("/asyncapi", "/asyncapi.json", "/asyncapi.yaml"):
        reply = client.get(path)
        assert reply.status_code == 500
        assert reply.text == "Internal Server Error"
        assert INTERNAL not in str(reply.headers)


# -- FastAPI: docs_dependencies and add_ready_route(dependencies=...) -------------------


@pytest.fixture
def protected_docs(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("DOCS_USER", "reader")
    monkeypatch.setenv("DOCS_PASSWORD", "open-sesame")
    monkeypatch.setenv("PROBE_KEY", "probe-key-1")
    yield runpy.run_path(str(EXAMPLES / "protected_docs.py"), run_name="protected_docs")


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


DOCS_PATHS = ("/asyncapi", "/asyncapi.json", "/asyncapi.yaml", f"/asyncapi/static/{ASSET}")


def test_docs_dependencies_guard_every_docs_route(protected_docs: dict[str, Any]) -> None:
    client = TestClient(protected_docs["app"])  # no lifespan: the docs need no broker
    for path in DOCS_PATHS:
        refused = client.get(path)
        assert refused.status_code == 401, path
        assert refused.headers["www-authenticate"] == "Basic"
        assert client.get(path, headers=_basic("reader", "wrong")).status_code == 401
        assert client.get(path, headers=_basic("reader", "open-sesame")).status_code == 200
    # FastAPI's own routes and the OpenAPI schema are untouched.
    assert client.get("/openapi.json").status_code == 200


def test_ready_route_dependencies(protected_docs: dict[str, Any]) -> None:
    client = TestClient(protected_docs["app"])
    assert client.get("/ready").status_code == 401
    assert client.get("/ready", headers={"X-Probe-Key": "nope"}).status_code == 401
    # Past the dependency: the broker is not started here, so not ready.
    assert_terse(client.get("/ready", headers={"X-Probe-Key": "probe-key-1"}), 503)


async def test_docs_dependencies_do_not_reach_subscribers(
    protected_docs: dict[str, Any],
) -> None:
    router = protected_docs["router"]
    async with TestRedisBroker(router.broker) as broker:
        await broker.publish({"pens": 2}, "orders")
        protected_docs["take_order"].mock.assert_called_once_with({"pens": 2})


async def test_include_router_dependencies_guard_http_routes_only() -> None:
    """``app.include_router(router, dependencies=...)``: every HTTP route, no subscriber."""

    def key(x_key: str | None = None) -> None:
        if x_key != "k":
            raise HTTPException(401, "Unauthorized")

    router = RedisRouter()
    router.add_ready_route("/ready")
    got: list[str] = []

    @router.subscriber("in")
    async def handler(msg: str) -> None:
        got.append(msg)

    app = FastAPI()
    app.include_router(router, dependencies=[Depends(key)])
    async with asgi_client(app) as client:
        for path in ("/asyncapi", "/asyncapi.json", "/ready"):
            assert (await client.get(path)).status_code == 401
        assert (await client.get("/asyncapi.json", params={"x_key": "k"})).status_code == 200
    async with TestRedisBroker(router.broker) as broker:
        await broker.publish("hi", "in")
    assert got == ["hi"]


# -- AsgiFastStream: wrap the ASGI app ------------------------------------------------


@pytest.mark.redis
def test_asgi_docs_behind_a_wrapping_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCS_TOKEN", "t0ken")
    ns = runpy.run_path(str(EXAMPLES / "protected_asgi_docs.py"), run_name="protected_asgi")
    bearer = {"Authorization": "Bearer t0ken"}
    with TestClient(ns["protected"]) as client:  # the lifespan passes through: broker up
        wait_for(lambda: ns["broker"].running, timeout=10)
        for path in ("/docs", "/docs.json", "/docs.yaml", f"/docs/static/{ASSET}"):
            refused = client.get(path)
            assert refused.status_code == 401, path
            assert refused.headers["www-authenticate"] == "Bearer"
            assert client.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401
            assert client.get(path, headers=bearer).status_code == 200
        assert client.get("/health").status_code == 204  # probes stay open
    assert not ns["broker"].running

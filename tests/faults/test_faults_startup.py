"""Broker down at startup with ``start_retry`` (issue #9, scenario 5).

The app (``AsgiFastStream`` or a FastAPI app with a ``StreamRouter``) starts
while its broker's port is closed: the lifespan completes, readiness answers
503, publishing raises a clear error and each failed attempt is logged at
WARNING. A private broker process is then started on that port: the
subscribers consume and readiness turns 204. Shutting down while still
retrying ends the retry task at once. The default (fail the startup) is
covered by ``tests/asgi`` and ``test_faults_edges``.
"""

from __future__ import annotations

import asyncio
import logging
import runpy
import time
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.types import ASGIApp, Message

from faststream_fastapi import Backoff
from faststream_fastapi.asgi import AsgiFastStream, make_ready_asgi
from faststream_fastapi.core.errors import NotConnectedError, SetupError
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.nats.fastapi import NatsRouter
from faststream_fastapi.redis import RedisBroker
from faststream_fastapi.redis.fastapi import RedisRouter
from servers import free_port, nats_argv, redis_argv, running
from support import asgi_client, until

ROOT = Path(__file__).resolve().parents[2]
#: Fast retries keep the test short; production defaults are 0.5 s doubling to 30 s.
RETRY = Backoff(initial=0.1, max=0.5)
PASSWORD = "s3cret-Pa55word"
WAIT = 20.0


def _server(
    kind: str, port: int, tmp_path: Path, password: str | None = PASSWORD
) -> AbstractAsyncContextManager[asyncio.subprocess.Process]:
    """A private broker on ``port``; only this process is stopped, by its own handle."""
    argv = redis_argv(port, tmp_path, password) if kind == "redis" else nats_argv(port, tmp_path)
    return running(port, *argv)


class Lifespan:
    """The server's side of the ASGI lifespan protocol, every wait bounded."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.outbox: asyncio.Queue[Message] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def _send(self, message: Message) -> None:
        await self.outbox.put(message)

    async def startup(self) -> Message:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self.task = asyncio.create_task(self.app(scope, self.inbox.get, self._send))
        await self.inbox.put({"type": "lifespan.startup"})
        return await asyncio.wait_for(self.outbox.get(), 15)

    async def shutdown(self) -> Message:
        await self.inbox.put({"type": "lifespan.shutdown"})
        message = await asyncio.wait_for(self.outbox.get(), 15)
        assert self.task is not None
        await asyncio.wait_for(self.task, 15)
        return message


class Service:
    """One app under test: its broker, its ASGI app, where ``/ready`` is, what it handled."""

    def __init__(self, kind: str, front: str, url: str, subject: str) -> None:
        self.handled: list[str] = []
        self.subject = subject
        self.kind = kind

        async def handle(body: str) -> None:
            self.handled.append(body)

        # nats-py retries a refused first connection until ``connect_timeout``
        # (5 s by default): each attempt takes that long while the server is down.
        options = {} if kind == "redis" else {"connect_timeout": 1}
        if front == "asgi":
            broker: Any = (RedisBroker if kind == "redis" else NatsBroker)(url, **options)
            self.broker = broker
            self._subscribe(broker)(handle)
            self.app: ASGIApp = AsgiFastStream(
                broker,
                asgi_routes=[("/ready", make_ready_asgi(broker, timeout=1.0))],
                start_retry=RETRY,
            )
        else:
            router: Any = (RedisRouter if kind == "redis" else NatsRouter)(
                url, start_retry=RETRY, **options
            )
            router.add_ready_route("/ready", timeout=1.0)
            self.broker = router.broker
            self._subscribe(router)(handle)
            app = FastAPI(lifespan=router.lifespan_context)
            app.include_router(router)
            self.app = app

    def _subscribe(self, owner: Any) -> Any:
        if self.kind == "redis":
            return owner.subscriber(list=self.subject)
        return owner.subscriber(self.subject)

    async def publish(self, body: str) -> None:
        if self.kind == "redis":
            await self.broker.publish(body, list=self.subject)
        else:
            await self.broker.publish(body, self.subject)

    async def ready(self) -> int:
        async with asgi_client(self.app) as http:
            return (await http.get("/ready")).status_code


def _url(kind: str, port: int) -> str:
    if kind == "redis":
        return f"redis://:{PASSWORD}@127.0.0.1:{port}"
    return f"nats://127.0.0.1:{port}"


CASES = [
    pytest.param("redis", "asgi", marks=pytest.mark.redis, id="redis-asgi"),
    pytest.param("redis", "router", marks=pytest.mark.redis, id="redis-router"),
    pytest.param("nats", "asgi", marks=pytest.mark.nats, id="nats-asgi"),
    pytest.param("nats", "router", marks=pytest.mark.nats, id="nats-router"),
]


# The URL carries a password without TLS on purpose: it must not reach the logs.
@pytest.mark.filterwarnings("ignore:the password in the URL")
@pytest.mark.parametrize(("kind", "front"), CASES)
async def test_starts_not_ready_retries_and_consumes_once_the_broker_is_up(
    kind: str, front: str, name: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="faststream_fastapi")
    port = free_port()
    service = Service(kind, front, _url(kind, port), name)
    lifespan = Lifespan(service.app)

    assert (await lifespan.startup())["type"] == "lifespan.startup.complete"
    try:
        assert await service.ready() == 503
        assert not await service.broker.ready(1.0)
        reason = service.broker.not_ready_reason()
        assert reason is not None and reason.startswith("not started, retrying:"), reason
        with pytest.raises(NotConnectedError, match="is not started yet"):
            await service.publish("too early")
        await until(
            lambda: sum("start attempt" in r.getMessage() for r in caplog.records) >= 2,
            WAIT,
            "two failed attempts logged",
        )
        failures = [r for r in caplog.records if "start attempt" in r.getMessage()]
        assert all(r.levelno == logging.WARNING for r in failures)
        assert not any(PASSWORD in r.getMessage() for r in caplog.records)

        async with _server(kind, port, tmp_path):
            await until(lambda: service.broker.ready(1.0), WAIT, "the broker to start")
            assert service.broker.not_ready_reason() is None
            assert await service.ready() == 204
            await service.publish("after")
            await until(lambda: service.handled == ["after"], WAIT, "the message to be handled")
            assert (await lifespan.shutdown())["type"] == "lifespan.shutdown.complete"
    finally:
        if lifespan.task is not None and not lifespan.task.done():
            await lifespan.shutdown()
    assert not service.broker.running and service.broker._retrying is None


@pytest.mark.filterwarnings("ignore:the password in the URL")
@pytest.mark.parametrize(("kind", "front"), CASES)
async def test_shutdown_while_retrying_ends_the_retries(kind: str, front: str, name: str) -> None:
    service = Service(kind, front, _url(kind, free_port()), name)
    lifespan = Lifespan(service.app)
    assert (await lifespan.startup())["type"] == "lifespan.startup.complete"
    retrying = service.broker._retrying
    assert retrying is not None and not retrying.done()
    started = time.monotonic()
    assert (await lifespan.shutdown())["type"] == "lifespan.shutdown.complete"
    assert time.monotonic() - started < 5.0
    assert retrying.done() and service.broker._retrying is None
    assert service.broker.not_ready_reason() == "not started"
    assert not await service.broker.ready(1.0)


def test_backoff_doubles_to_its_cap_with_jitter_below_each_step() -> None:
    delays = Backoff(initial=0.5, max=4.0, factor=2.0, jitter=0.25).delays()
    steps = [next(delays) for _ in range(7)]
    for got, nominal in zip(steps, [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0], strict=True):
        assert nominal * 0.75 <= got <= nominal
    exact = Backoff(initial=1.0, max=3.0, factor=3.0, jitter=0).delays()
    assert [next(exact) for _ in range(3)] == [1.0, 3.0, 3.0]
    for bad in ({"initial": 0}, {"initial": 2, "max": 1}, {"factor": 0.5}, {"jitter": 1}):
        with pytest.raises(SetupError):
            Backoff(**bad)


# -- the guide's example (docs/production.md) --------------------------------------------


@pytest.mark.redis
async def test_the_start_retry_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{port}")
    path = ROOT / "examples" / "production" / "start_retry.py"
    ns = runpy.run_path(str(path), run_name="docs_start_retry")
    lifespan = Lifespan(ns["app"])
    async with asgi_client(ns["app"]) as http:
        assert (await lifespan.startup())["type"] == "lifespan.startup.complete"
        try:
            assert (await http.get("/livez")).status_code == 204
            assert (await http.get("/readyz")).status_code == 503
            assert (await http.post("/emails", params={"address": "a@b.c"})).status_code == 503
            async with _server("redis", port, tmp_path, password=None):

                async def ready() -> bool:
                    return (await http.get("/readyz")).status_code == 204

                await until(ready, WAIT, "/readyz to answer 204")
                assert (await http.post("/emails", params={"address": "a@b.c"})).status_code == 202
                await until(lambda: ns["handled"] == ["a@b.c"], WAIT, "the email to be sent")
                assert (await lifespan.shutdown())["type"] == "lifespan.shutdown.complete"
        finally:
            if lifespan.task is not None and not lifespan.task.done():
                await lifespan.shutdown()

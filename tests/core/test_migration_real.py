"""Issue #15's points where the broker matters, on the real servers.

The client annotations of the ``fastapi`` modules give the connected client
library objects; an empty body and ``request(None)`` travel through each real
broker as FastStream 0.5 passed them; a router's ``on_startup`` runs and a
broker-level router included into it consumes.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from nats.aio.client import Client
from nats.js import JetStreamContext
from redis.asyncio import Redis

from faststream_fastapi import context, nats, rabbit, redis
from faststream_fastapi.nats import fastapi as nats_fastapi
from faststream_fastapi.redis import fastapi as redis_fastapi
from support import wait_for

NATS_URL = "nats://127.0.0.1:4222"
REDIS_URL = "redis://127.0.0.1:6379"
RABBIT_URL = "amqp://guest:guest@127.0.0.1:5672/"


def _typed(func: Any, **annotations: Any) -> Any:
    """``func`` with these parameter annotations (annotations here are strings)."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    func.__signature__ = inspect.Signature(
        [inspect.Parameter(n, kind, annotation=a) for n, a in annotations.items()]
    )
    return func


@pytest.mark.nats
async def test_nats_client_annotations_give_the_connected_clients(name: str) -> None:
    broker = nats.NatsBroker(NATS_URL)
    got: asyncio.Queue[tuple[Any, Any]] = asyncio.Queue()

    async def handle(x, client, js):  # type: ignore[no-untyped-def]
        await got.put((client, js))

    broker.subscriber(name)(
        _typed(handle, x=int, client=nats_fastapi.Client, js=nats_fastapi.JsClient)
    )
    async with broker:
        await broker.start()
        await broker.publish(1, name)
        client, js = await asyncio.wait_for(got.get(), 10)
    assert isinstance(client, Client)
    assert isinstance(js, JetStreamContext)


@pytest.mark.redis
async def test_redis_annotation_gives_the_connected_client(name: str) -> None:
    broker = redis.RedisBroker(REDIS_URL)
    got: asyncio.Queue[Any] = asyncio.Queue()

    async def handle(x, client):  # type: ignore[no-untyped-def]
        await got.put(await client.ping())

    broker.subscriber(name)(_typed(handle, x=int, client=redis_fastapi.Redis))
    async with broker:
        await broker.start()
        await broker.publish(1, name)
        assert await asyncio.wait_for(got.get(), 10) is True
    assert Redis is redis_fastapi.Redis.__origin__


@pytest.mark.parametrize(
    ("make", "url"),
    [
        pytest.param(nats.NatsBroker, NATS_URL, marks=pytest.mark.nats, id="nats"),
        pytest.param(redis.RedisBroker, REDIS_URL, marks=pytest.mark.redis, id="redis"),
        pytest.param(rabbit.RabbitBroker, RABBIT_URL, marks=pytest.mark.rabbit, id="rabbit"),
    ],
)
async def test_an_empty_body_and_request_none_on_the_real_broker(
    make: Any, url: str, name: str
) -> None:
    broker = make(url)
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(name)
    async def handle(m):  # type: ignore[no-untyped-def]
        await got.put(m)
        return "answer"

    async with broker:
        await broker.start()
        await broker.publish("", name)
        assert await asyncio.wait_for(got.get(), 10) == ""
        reply = await broker.request(None, name, timeout=10)
        assert (await reply.decode(), reply.decoded()) == ("answer", "answer")
        assert await asyncio.wait_for(got.get(), 10) == b""


@pytest.mark.redis
def test_router_hooks_and_an_included_broker_router_on_the_real_broker(name: str) -> None:
    calls: list[str] = []
    router = redis_fastapi.RedisRouter(
        REDIS_URL, on_startup=[lambda: calls.append("start")], dependencies=None
    )
    plain = redis.RedisRouter()
    received: list[int] = []

    @plain.subscriber(name)
    async def handle(x: int) -> None:
        received.append(x)

    router.include_router(plain)
    app = FastAPI(lifespan=router.lifespan_context)
    app.include_router(router)
    with TestClient(app) as client:
        assert calls == ["start"]
        client.portal.call(router.broker.publish, 3, name)  # type: ignore[union-attr]
        wait_for(lambda: received == [3], timeout=10)


@pytest.mark.redis
async def test_the_context_resolves_the_message_on_the_real_broker(name: str) -> None:
    broker = redis.RedisBroker(REDIS_URL)
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(name)
    async def handle(msg: str) -> None:
        await got.put(context.resolve("message.headers")["x-k"])

    async with broker:
        await broker.start()
        await broker.publish("hi", name, headers={"x-k": "v"})
        assert await asyncio.wait_for(got.get(), 10) == "v"

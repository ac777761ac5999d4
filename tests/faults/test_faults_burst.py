"""A silent RabbitMQ address at start-up, and a burst of concurrent publishes.

A silent address accepts TCP and never answers (a stalled ``TcpRelay``): start-up
must fail within the connect bound, name the address without its password, and
leave no task behind. A burst of 2,000 concurrent ``publish`` calls on one broker
must neither fail nor lose a message, on every broker (Redis used to fail half of
200 with ``Too many connections``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from faststream_fastapi import confluent, kafka
from faststream_fastapi.core.broker import Broker
from faststream_fastapi.core.errors import BrokerConnectionError, PublishError
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.rabbit import RabbitBroker, RabbitQueue
from faststream_fastapi.rabbit.fastapi import RabbitRouter
from faststream_fastapi.redis import RedisBroker
from support import TcpRelay

SECRET = "s3cr3t-pw"
BOUND = 1.5
BURST = 2_000


@contextlib.asynccontextmanager
async def _silent_rabbit() -> AsyncIterator[int]:
    """The port of a relay to RabbitMQ that accepts TCP and never forwards; on
    exit, no task other than the relay's may be left of what the block started."""
    relay = TcpRelay(5672)
    port = await relay.start()
    relay.stall()
    before = asyncio.all_tasks()
    try:
        yield port
        await asyncio.sleep(0.1)
        left = asyncio.all_tasks() - before - {asyncio.current_task()}
        left = {t for t in left if "_serve" not in repr(t.get_coro())}
        assert not left, left
    finally:
        await relay.close()


@pytest.mark.rabbit
@pytest.mark.filterwarnings("ignore:the password in the URL")
async def test_rabbit_start_on_a_silent_address_fails_in_time_and_leaves_nothing() -> None:
    async with _silent_rabbit() as port:
        broker = RabbitBroker(f"amqp://guest:{SECRET}@127.0.0.1:{port}/", connect_timeout=BOUND)
        started = time.monotonic()
        with pytest.raises(BrokerConnectionError) as failure:
            await broker.start()
        took = time.monotonic() - started
        assert took < BOUND + 1.0, took
        text = str(failure.value)
        assert f"127.0.0.1:{port}" in text and "connect_timeout" in text, text
        assert SECRET not in text and SECRET not in repr(failure.value.__cause__)
        await broker.close()


@pytest.mark.rabbit
async def test_rabbit_start_cancelled_on_a_silent_address_leaves_nothing() -> None:
    # A caller's own bound (a lifespan timeout, say) cancels the connect: nothing
    # of it may go on, or ``asyncio.run()`` never returns.
    async with _silent_rabbit() as port:
        broker = RabbitBroker(f"amqp://guest:guest@127.0.0.1:{port}/")
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(broker.start(), 0.5)
        await broker.close()


@pytest.mark.rabbit
def test_rabbit_router_lifespan_on_a_silent_address_fails_in_time() -> None:
    # A listening socket nobody accepts from: the kernel completes the TCP
    # handshake, and nothing is ever said.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        router = RabbitRouter(f"amqp://guest:guest@127.0.0.1:{port}/", connect_timeout=BOUND)
        app = FastAPI()
        app.include_router(router)
        started = time.monotonic()
        with pytest.raises(BrokerConnectionError, match=f"127.0.0.1:{port}"), TestClient(app):
            pass
        assert time.monotonic() - started < BOUND + 2.0


async def _burst(broker: Broker, publish: Callable[[int], Awaitable[Any]], got: set[int]) -> None:
    started = time.monotonic()
    results = await asyncio.gather(*(publish(n) for n in range(BURST)), return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, f"{len(errors)} of {BURST} failed, e.g. {errors[0]!r}"
    published = time.monotonic() - started
    deadline = time.monotonic() + 60
    while len(got) < BURST:
        assert time.monotonic() < deadline, f"{BURST - len(got)} of {BURST} not received"
        await asyncio.sleep(0.05)
    print(
        f"\n[{type(broker).__module__}] {BURST} concurrent publishes in {published:.2f} s, "
        f"all received in {time.monotonic() - started:.2f} s"
    )


@pytest.mark.redis
async def test_redis_burst_of_publishes(name: str) -> None:
    broker = RedisBroker("redis://127.0.0.1:6379")
    got: set[int] = set()

    @broker.subscriber(list=name)
    async def handle(n: int) -> None:
        got.add(n)

    async with broker:
        await broker.start()
        await _burst(broker, lambda n: broker.publish(n, list=name), got)


@pytest.mark.redis
async def test_redis_burst_waits_for_the_pool_within_its_timeout(name: str) -> None:
    # Two connections for 200 publishes: they take turns instead of failing.
    broker = RedisBroker("redis://127.0.0.1:6379", max_connections=2, pool_timeout=10)
    async with broker:
        await asyncio.gather(*(broker.publish(n, list=name) for n in range(200)))
        client: Any = broker.transport.client
        assert await client.llen(name) == 200
        await client.delete(name)
    # Every connection held longer than ``pool_timeout``: the publish fails then.
    broker = RedisBroker("redis://127.0.0.1:6379", max_connections=1, pool_timeout=0.3)
    async with broker:
        client = broker.transport.client
        holding = asyncio.ensure_future(client.blpop([name], timeout=3))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        with pytest.raises(PublishError, match="No connection available"):
            await broker.publish(1, list=name)
        assert 0.25 < time.monotonic() - started < 1.5
        await holding


@pytest.mark.nats
async def test_nats_burst_of_publishes(name: str) -> None:
    broker = NatsBroker("nats://127.0.0.1:4222")
    got: set[int] = set()

    @broker.subscriber(name, stream=name)
    async def handle(n: int) -> None:
        got.add(n)

    async with broker:
        await broker.start()
        await _burst(broker, lambda n: broker.publish(n, name, stream=name), got)
        await broker.transport._jetstream().delete_stream(name)  # type: ignore[attr-defined]


@pytest.mark.rabbit
async def test_rabbit_burst_of_publishes(name: str) -> None:
    broker = RabbitBroker("amqp://guest:guest@127.0.0.1:5672/")
    got: set[int] = set()

    @broker.subscriber(RabbitQueue(name, auto_delete=True))
    async def handle(n: int) -> None:
        got.add(n)

    async with broker:
        await broker.start()
        await _burst(broker, lambda n: broker.publish(n, name), got)


@pytest.mark.kafka
@pytest.mark.parametrize("pkg", [kafka, confluent], ids=["aiokafka", "confluent"])
async def test_kafka_burst_of_publishes(pkg: ModuleType, name: str, tmp_path: Path) -> None:
    broker = pkg.KafkaBroker("127.0.0.1:9092")
    got: set[int] = set()

    @broker.subscriber(name)
    async def handle(n: int) -> None:
        got.add(n)

    async with broker:
        await broker.publish(-1, name)  # the topic made before the subscriber reads it
        await broker.start()
        await _burst(broker, lambda n: broker.publish(n, name), got)

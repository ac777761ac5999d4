"""A ``CancelledError`` that is not the subscriber's own stop is a handler failure.

A handler that awaits something someone else cancelled (a timeout helper, a
cancelled HTTP call) raises ``CancelledError`` without its task being
cancelled: the message is settled by the ack policy and the consume loop goes
on. Only stopping the subscriber may end its loop. In memory, and on the
shared brokers, one consume loop each.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from redis.asyncio import Redis

from faststream_fastapi import AckPolicy
from faststream_fastapi.core.message import StreamMessage
from faststream_fastapi.core.middleware import CallNext, Middleware
from faststream_fastapi.redis import RedisBroker, StreamSub, TestRedisBroker
from support import until


async def _cancelled_elsewhere() -> None:
    """What a handler sees when it awaits a task someone else cancelled."""
    task = asyncio.get_running_loop().create_task(asyncio.sleep(10))
    await asyncio.sleep(0)
    task.cancel()
    await task


class _Passing(Middleware):
    async def consume(self, message: StreamMessage, call_next: CallNext) -> Any:
        return await call_next(message)


@pytest.mark.parametrize("middleware", [False, True], ids=["straight", "staged"])
async def test_in_memory_a_foreign_cancellation_is_settled_and_raises_from_publish(
    name: str, middleware: bool
) -> None:
    broker = RedisBroker(middlewares=[_Passing()] if middleware else ())
    seen: list[tuple[str, StreamMessage]] = []

    @broker.subscriber(name, ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(body: str, message: StreamMessage) -> None:
        seen.append((body, message))
        if body == "cancel":
            await _cancelled_elsewhere()

    async with TestRedisBroker(broker):
        with pytest.raises(asyncio.CancelledError):
            await broker.publish("cancel", name)
        await broker.publish("next", name)  # the subscriber goes on
        assert [(body, m.settled) for body, m in seen] == [("cancel", "nack"), ("next", "ack")]
        assert handle.mock.call_count == 2


async def test_in_memory_a_foreign_cancellation_is_retried_then_dead_lettered(name: str) -> None:
    broker = RedisBroker()
    dead = broker.publisher(f"{name}-dead")
    calls: list[int] = []

    @broker.subscriber(name, max_retries=1, dead_letter=dead)
    async def handle(n: int) -> None:
        calls.append(n)
        await _cancelled_elsewhere()

    async with TestRedisBroker(broker):
        await broker.publish(1, name)  # handled by retry and dead letter: does not raise
        assert calls == [1, 1]
        sub = broker.subscribers[0]
        assert (sub.retried, sub.dead_lettered) == (1, 1)
        assert dead.mock.call_count == 1


# -- on the shared brokers ---------------------------------------------------------

Publish = Callable[[int], Awaitable[Any]]


async def _goes_on(broker: Any, publish: Publish, handled: list[int]) -> None:
    async with broker:
        await broker.start()
        await asyncio.sleep(0.3)  # consumers that start at the end of a topic or stream
        await publish(0)
        for n in range(1, 4):
            await publish(n)
        await until(lambda: sorted(handled) == [0, 1, 2, 3], 30, "every message")
        assert all(sub.consumption.alive for sub in broker.subscribers)
        assert await broker.ready()


def _handler(handled: list[int]) -> Callable[[int], Awaitable[None]]:
    async def handle(n: int) -> None:
        handled.append(n)
        if n == 0:
            await _cancelled_elsewhere()

    return handle


@pytest.fixture
async def redis_cleanup(name: str) -> AsyncIterator[None]:
    yield
    admin = Redis.from_url("redis://127.0.0.1:6379")
    try:
        await admin.delete(name)
    finally:
        await admin.aclose()


@pytest.mark.redis
@pytest.mark.parametrize("kind", ["list", "stream-group"])
async def test_redis_loop_goes_on_after_a_foreign_cancellation(
    name: str, kind: str, redis_cleanup: None
) -> None:
    broker = RedisBroker("redis://127.0.0.1:6379")
    handled: list[int] = []
    if kind == "list":
        broker.subscriber(list=name)(_handler(handled))
        await _goes_on(broker, lambda n: broker.publish(n, list=name), handled)
    else:
        sub = StreamSub(name, group="g", polling_interval=0.05)
        broker.subscriber(stream=sub)(_handler(handled))
        await _goes_on(broker, lambda n: broker.publish(n, stream=name), handled)


@pytest.mark.nats
@pytest.mark.parametrize("jetstream", [False, True], ids=["core", "jetstream"])
async def test_nats_loop_goes_on_after_a_foreign_cancellation(name: str, jetstream: bool) -> None:
    from faststream_fastapi.nats import NatsBroker

    broker = NatsBroker("nats://127.0.0.1:4222")
    handled: list[int] = []
    if jetstream:
        broker.subscriber(name, stream=name, durable="svc")(_handler(handled))
    else:
        broker.subscriber(name)(_handler(handled))
    try:
        await _goes_on(
            broker,
            lambda n: broker.publish(n, name, stream=name if jetstream else None),
            handled,
        )
    finally:
        if jetstream:
            js = NatsBroker("nats://127.0.0.1:4222")
            async with js:
                await js.transport._jetstream().delete_stream(name)  # type: ignore[attr-defined]


@pytest.mark.rabbit
async def test_rabbit_loop_goes_on_after_a_foreign_cancellation(name: str) -> None:
    from faststream_fastapi.rabbit import RabbitBroker, RabbitQueue

    broker = RabbitBroker("amqp://guest:guest@127.0.0.1:5672/")
    handled: list[int] = []
    broker.subscriber(RabbitQueue(name, auto_delete=True))(_handler(handled))
    await _goes_on(broker, lambda n: broker.publish(n, name), handled)


@pytest.mark.kafka
@pytest.mark.parametrize("library", ["aiokafka", "confluent"])
async def test_kafka_loop_goes_on_after_a_foreign_cancellation(name: str, library: str) -> None:
    if library == "aiokafka":
        from faststream_fastapi.kafka import KafkaBroker
    else:
        from faststream_fastapi.confluent import KafkaBroker  # type: ignore[assignment]

    broker = KafkaBroker("127.0.0.1:9092")
    handled: list[int] = []
    # tansu answers a group join after about half the session timeout; librdkafka
    # does not fetch a topic that did not exist when the group joined.
    group = {"session_timeout_ms": 3000, "heartbeat_interval_ms": 1000}
    broker.subscriber(name, group_id="svc", auto_offset_reset="earliest", **group)(
        _handler(handled)
    )
    admin = AIOKafkaAdminClient(bootstrap_servers="127.0.0.1:9092")
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
        await _goes_on(broker, lambda n: broker.publish(n, name), handled)
    finally:
        await admin.delete_topics([name])
        await admin.close()

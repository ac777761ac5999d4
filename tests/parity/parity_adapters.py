"""Per-broker adapters for the parity scenario: how each broker names a destination.

An adapter says, for a run name and a case name, what to give ``subscriber()``
(``sub``) and what to give ``publish()``, ``publisher()`` and ``request()``
(``to``); how to make the real broker and its test broker; whether it answers
requests; and what to clean up on the server afterwards. Importable as
``parity_adapters`` (pytest puts this folder on the path).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from confluent_kafka.admin import AdminClient, NewTopic
from nats.aio.client import Client as NatsClient
from redis.asyncio import Redis

import faststream_fastapi.confluent as confluent
import faststream_fastapi.kafka as kafka
from faststream_fastapi.nats import JStream, NatsBroker, TestNatsBroker
from faststream_fastapi.rabbit import RabbitBroker, RabbitQueue, TestRabbitBroker
from faststream_fastapi.redis import ListSub, RedisBroker, StreamSub, TestRedisBroker

REDIS = "redis://127.0.0.1:6379"
NATS = "nats://127.0.0.1:4222"
RABBIT = "amqp://guest:guest@127.0.0.1:5672/"
KAFKA = "127.0.0.1:9092"
#: tansu answers a group join after about half the session timeout (see tests/kafka).
KAFKA_GROUP: dict[str, Any] = {"session_timeout_ms": 3000, "heartbeat_interval_ms": 1000}

#: Positional and keyword arguments naming a destination.
Where = tuple[tuple[Any, ...], dict[str, Any]]


async def _nothing(run: str, cases: tuple[str, ...]) -> None:
    return None


@dataclass(frozen=True)
class Adapter:
    id: str
    #: The marker of the real server it needs (``redis``, ``nats``, ...).
    marker: str
    make: Callable[[], Any]
    testing: Callable[[Any], Any]
    sub: Callable[[str, str], Where]
    to: Callable[[str, str], Where]
    #: ``await broker.request(...)`` gets the handler's answer.
    request: bool
    #: Seconds the real path may take to settle everything.
    wait: float = 10.0
    #: Server-side set-up before the broker starts, and clean-up after the run,
    #: given the run name and the scenario's destination cases.
    prepare: Callable[[str, tuple[str, ...]], Awaitable[None]] = _nothing
    cleanup: Callable[[str, tuple[str, ...]], Awaitable[None]] = _nothing


def _name(run: str, case: str) -> str:
    return f"{run}.{case}"


def _channel(run: str, case: str) -> Where:
    return (_name(run, case),), {}


def _list_sub(run: str, case: str) -> Where:
    return (), {"list": ListSub(_name(run, case), polling_interval=0.05)}


def _list_to(run: str, case: str) -> Where:
    return (), {"list": _name(run, case)}


def _stream_sub(run: str, case: str) -> Where:
    spec = StreamSub(_name(run, case), group="g", consumer="c1", polling_interval=0.05)
    return (), {"stream": spec}


def _stream_to(run: str, case: str) -> Where:
    return (), {"stream": _name(run, case)}


async def _drop_redis_keys(run: str, cases: tuple[str, ...]) -> None:
    client = Redis.from_url(REDIS)
    try:
        keys = [key async for key in client.scan_iter(match=f"{run}.*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def _jetstream(run: str) -> JStream:
    return JStream(run, subjects=[f"{run}.>"])


def _js_where(run: str, case: str) -> Where:
    return (_name(run, case),), {"stream": _jetstream(run)}


async def _drop_stream(run: str, cases: tuple[str, ...]) -> None:
    client = NatsClient()
    await client.connect(NATS)
    try:
        with contextlib.suppress(Exception):
            await client.jetstream().delete_stream(run)
    finally:
        await client.close()


def _queue(run: str, case: str) -> Where:
    return (RabbitQueue(_name(run, case), auto_delete=True),), {}


def _topics(run: str, cases: tuple[str, ...]) -> list[str]:
    return [_name(run, case) for case in cases]


async def _create_topics(run: str, cases: tuple[str, ...]) -> None:
    """Topics made before the groups join: librdkafka does not assign a group
    a topic that did not exist when it subscribed until its next metadata refresh."""
    admin = AdminClient({"bootstrap.servers": KAFKA})
    made = admin.create_topics([NewTopic(topic, 1) for topic in _topics(run, cases)])
    await asyncio.gather(*(asyncio.wrap_future(f) for f in made.values()))


async def _delete_topics(run: str, cases: tuple[str, ...]) -> None:
    admin = AdminClient({"bootstrap.servers": KAFKA})
    gone = admin.delete_topics(_topics(run, cases))
    with contextlib.suppress(Exception):
        await asyncio.gather(*(asyncio.wrap_future(f) for f in gone.values()))


def _kafka_sub(run: str, case: str) -> Where:
    topic = _name(run, case)
    return (topic,), {"group_id": f"{topic}.g", "auto_offset_reset": "earliest"}


def _kafka(name: str, package: ModuleType) -> Adapter:
    """The adapter of a Kafka client package: each subscriber in its own group."""
    return Adapter(
        name,
        "kafka",
        lambda: package.KafkaBroker(KAFKA, **KAFKA_GROUP),
        package.TestKafkaBroker,
        _kafka_sub,
        _channel,
        request=False,
        wait=20.0,
        prepare=_create_topics,
        cleanup=_delete_topics,
    )


ADAPTERS = (
    Adapter(
        "redis-channel",
        "redis",
        lambda: RedisBroker(REDIS),
        TestRedisBroker,
        _channel,
        _channel,
        request=True,
    ),
    Adapter(
        "redis-list",
        "redis",
        lambda: RedisBroker(REDIS),
        TestRedisBroker,
        _list_sub,
        _list_to,
        request=True,
        cleanup=_drop_redis_keys,
    ),
    Adapter(
        "redis-stream",
        "redis",
        lambda: RedisBroker(REDIS),
        TestRedisBroker,
        _stream_sub,
        _stream_to,
        request=True,
        cleanup=_drop_redis_keys,
    ),
    Adapter(
        "nats-core",
        "nats",
        lambda: NatsBroker(NATS),
        TestNatsBroker,
        _channel,
        _channel,
        request=True,
    ),
    Adapter(
        "nats-jetstream",
        "nats",
        lambda: NatsBroker(NATS),
        TestNatsBroker,
        _js_where,
        _js_where,
        request=True,
        cleanup=_drop_stream,
    ),
    Adapter(
        "rabbit",
        "rabbit",
        lambda: RabbitBroker(RABBIT),
        TestRabbitBroker,
        _queue,
        _channel,
        request=True,
    ),
    _kafka("kafka", kafka),
    _kafka("confluent", confluent),
)

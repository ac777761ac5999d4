"""Spec objects checked and compared as FastStream 0.5 users expect (or as
``docs/migrating.md`` says they differ)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from faststream_fastapi.core.errors import SetupError
from faststream_fastapi.rabbit import (
    ExchangeType,
    RabbitBroker,
    RabbitExchange,
    RabbitQueue,
    TestRabbitBroker,
)
from faststream_fastapi.redis import RedisBroker, StreamSub
from support import collect


def test_stream_consumer_without_group_is_refused() -> None:
    with pytest.raises(SetupError, match=r"StreamSub\('orders'\): consumer= needs group="):
        StreamSub("orders", consumer="c1")
    with pytest.raises(ValueError):  # 0.5 raised a ValueError: code catching it still does
        StreamSub("orders", consumer="c1", last_id="0")


def test_stream_group_takes_a_consumer_or_names_one_itself() -> None:
    named = StreamSub("orders", group="billing", consumer="c1")
    assert (named.group, named.consumer) == ("billing", "c1")
    unnamed = StreamSub("orders", group="billing")  # 0.5 refused this: see docs/migrating.md
    assert unnamed.consumer is None


def test_a_prefix_keeps_a_valid_stream_spec() -> None:
    spec = StreamSub("orders", group="billing", consumer="c1").with_prefix("eu.")
    assert (spec.stream, spec.group, spec.consumer) == ("eu.orders", "billing", "c1")


def test_stream_subscriber_with_a_stray_consumer_fails_at_declaration() -> None:
    broker = RedisBroker()
    with pytest.raises(SetupError, match="consumer= needs group="):
        broker.subscriber(stream=StreamSub("orders", consumer="c1"))


def test_queues_with_different_bindings_are_different_declarations() -> None:
    first = RabbitQueue("q", routing_key="binding-1")
    second = RabbitQueue("q", routing_key="binding-2")
    assert first != second
    assert len({first: 0, second: 1}) == 2
    assert RabbitQueue("q") == RabbitQueue("q")
    assert len({RabbitQueue("q"): 0, RabbitQueue("q"): 1}) == 1


async def _both_bindings_delivered(broker: RabbitBroker, tester: Any, name: str) -> None:
    exchange = RabbitExchange(f"{name}-x", type=ExchangeType.DIRECT, auto_delete=True)
    got: asyncio.Queue[str] = asyncio.Queue()

    # One queue, two subscribers binding it by different keys: RabbitMQ shares the
    # queue's messages between them; each key must still be bound.
    @broker.subscriber(RabbitQueue(name, auto_delete=True, routing_key="a"), exchange)
    async def first(body: str) -> None:
        await got.put(body)

    @broker.subscriber(RabbitQueue(name, auto_delete=True, routing_key="b"), exchange)
    async def second(body: str) -> None:
        await got.put(body)

    async with tester(broker):
        await broker.start()
        await broker.publish("1", "a", exchange=exchange)
        await broker.publish("2", "b", exchange=exchange)
        assert sorted(await collect(2, got)) == ["1", "2"]


async def test_both_bindings_of_one_queue_name_are_kept(name: str) -> None:
    await _both_bindings_delivered(RabbitBroker(), TestRabbitBroker, name)


@pytest.mark.rabbit
async def test_both_bindings_of_one_queue_name_are_kept_on_rabbitmq(name: str) -> None:
    broker = RabbitBroker("amqp://guest:guest@127.0.0.1:5672/")
    await _both_bindings_delivered(broker, lambda b: b, name)

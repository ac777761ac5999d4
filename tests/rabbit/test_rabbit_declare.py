"""``broker.declare_queue`` and ``broker.declare_exchange``: FastStream 0.5's way of
declaring before anything subscribes (a ``passive`` subscriber then finds them)."""

import asyncio
from typing import Any

import aio_pika
import pytest

from faststream_fastapi import StreamMessage
from faststream_fastapi.rabbit import (
    ExchangeType,
    RabbitBroker,
    RabbitExchange,
    RabbitQueue,
    TestRabbitBroker,
)
from support import collect


@pytest.mark.rabbit
async def test_declared_queue_and_exchange_exist_for_a_passive_subscriber(name: str) -> None:
    got: asyncio.Queue[Any] = asyncio.Queue()
    broker = RabbitBroker("amqp://guest:guest@127.0.0.1:5672/")
    exchange = RabbitExchange(name, type=ExchangeType.FANOUT, auto_delete=True)

    @broker.subscriber(RabbitQueue(name, passive=True), exchange=RabbitExchange(name, passive=True))
    async def handle(body: str) -> None:
        await got.put(body)

    async with broker:
        queue = await broker.declare_queue(RabbitQueue(name, auto_delete=True))
        declared = await broker.declare_exchange(exchange)
        assert isinstance(queue, aio_pika.abc.AbstractQueue) and queue.name == name
        assert isinstance(declared, aio_pika.abc.AbstractExchange)
        await broker.start()
        await broker.publish("hi", exchange=exchange)
        assert await collect(1, got) == ["hi"]


async def test_declaring_under_the_test_broker_is_a_no_op(name: str) -> None:
    broker = RabbitBroker()

    @broker.subscriber(name)
    async def handle(body: str) -> None: ...

    async with TestRabbitBroker(broker) as br:
        assert await br.declare_queue(RabbitQueue(name)) is None
        assert await br.declare_exchange(RabbitExchange(name)) is None
        await br.publish("x", name)
        handle.mock.assert_called_once_with("x")


@pytest.mark.rabbit
async def test_an_aio_pika_message_is_published_as_it_is(name: str) -> None:
    got: asyncio.Queue[Any] = asyncio.Queue()
    broker = RabbitBroker("amqp://guest:guest@127.0.0.1:5672/")

    @broker.subscriber(RabbitQueue(name, auto_delete=True))
    async def handle(body: dict[str, int]) -> None:
        await got.put(body)

    async with broker:
        await broker.start()
        raw = aio_pika.Message(
            b'{"n": 1}', content_type="application/json", headers={"x": "1"}, correlation_id="c"
        )
        await broker.publish(raw, name)
        assert await collect(1, got) == [{"n": 1}]


async def test_an_aio_pika_message_under_the_test_broker(name: str) -> None:
    broker = RabbitBroker()
    seen: list[Any] = []

    @broker.subscriber(name + "2")
    async def full(body: str, message: StreamMessage) -> None:
        seen.append((body, message.headers["x"], message.correlation_id, message.content_type))

    async with TestRabbitBroker(broker) as br:
        raw = aio_pika.Message(b"hi", content_type="text/plain", headers={"x": "1"})
        raw.correlation_id = "c-1"
        await br.publish(raw, name + "2")
    assert seen == [("hi", "1", "c-1", "text/plain")]

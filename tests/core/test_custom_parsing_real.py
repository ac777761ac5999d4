"""Broker- and router-wide ``parser=``/``decoder=``, any decoded value and ``Path("name")``
against the real servers."""

import asyncio
from typing import Any

import pytest

from faststream_fastapi import Path, StreamMessage
from faststream_fastapi.nats import NatsBroker, NatsRouter
from faststream_fastapi.rabbit import RabbitBroker, RabbitQueue, RabbitRouter
from faststream_fastapi.redis import RedisBroker
from support import collect


@pytest.mark.redis
async def test_redis_broker_decoder_returns_the_message(name: str) -> None:
    got: asyncio.Queue[Any] = asyncio.Queue()
    broker = RedisBroker("redis://127.0.0.1:6379", decoder=lambda m: m)

    @broker.subscriber(name)
    async def handle(m):  # type: ignore[no-untyped-def]
        await got.put((type(m).__name__, m.body))

    async with broker:
        await broker.start()
        await broker.publish(b"hello", name)
        assert await collect(1, got) == [("StreamMessage", b"hello")]


@pytest.mark.rabbit
async def test_rabbit_router_parser_and_subscriber_override(name: str) -> None:
    got: asyncio.Queue[Any] = asyncio.Queue()

    def tag(label: str) -> Any:
        async def parser(raw: Any, original: Any) -> StreamMessage:
            message: StreamMessage = await original(raw)
            message.message_id = label
            return message

        return parser

    broker = RabbitBroker("amqp://guest:guest@127.0.0.1:5672/", parser=tag("broker"))
    router = RabbitRouter(parser=tag("router"))

    @router.subscriber(RabbitQueue(name, auto_delete=True))
    async def by_router(body: str, message: StreamMessage) -> None:
        await got.put((body, message.message_id))

    @router.subscriber(RabbitQueue(name + "2", auto_delete=True), parser=tag("own"))
    async def by_own(body: str, message: StreamMessage) -> None:
        await got.put((body, message.message_id))

    broker.include_router(router)
    async with broker:
        await broker.start()
        await broker.publish("a", name)
        await broker.publish("b", name + "2")
        assert sorted(await collect(2, got)) == [("a", "router"), ("b", "own")]


@pytest.mark.nats
async def test_nats_router_decoder_and_named_path(name: str) -> None:
    got: asyncio.Queue[Any] = asyncio.Queue()
    router = NatsRouter(decoder=lambda m: int(m.body) * 2)

    @router.subscriber(name + ".{kind}.{id}")
    async def handle(n: int, kind: str = Path(), number: int = Path("id")) -> None:
        await got.put((n, kind, number))

    broker = NatsBroker("nats://127.0.0.1:4222")
    broker.include_router(router)
    async with broker:
        await broker.start()
        await broker.publish(b"7", f"{name}.order.42")
        assert await collect(1, got) == [(14, "order", 42)]


@pytest.mark.kafka
async def test_kafka_raw_message_is_the_record(name: str) -> None:
    from faststream_fastapi.kafka import KafkaBroker

    got: asyncio.Queue[Any] = asyncio.Queue()
    broker = KafkaBroker("127.0.0.1:9092")

    @broker.subscriber(name, auto_offset_reset="earliest")
    async def handle(body: str, message: StreamMessage) -> None:
        await got.put((body, message.raw_message.key))

    async with broker:
        await broker.publish("v", name, key=b"k")
        await broker.start()
        assert await collect(1, got, timeout=20) == [("v", b"k")]

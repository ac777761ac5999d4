"""Forms FastStream 0.5's getting-started docs teach, on the real servers.

``name: str = Field(...)`` parameters consuming from the server; under
``with_real=True`` an invalid message's pydantic ``ValidationError`` comes out of
``wait_call`` and the mock is gone after the block; RabbitMQ's ``consume_args=``
reading a stream from its first offset; a Kafka parser setting ``message_id``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import aio_pika
import pydantic
import pytest
from fastapi import Depends
from pydantic import BaseModel, Field, NonNegativeInt

from faststream_fastapi.core.errors import PYDANTIC_SUBCLASS, MessageValidationError
from faststream_fastapi.rabbit import RabbitBroker, RabbitQueue
from kits import URLS, Kit, kit_fixture

#: pydantic's ``ValidationError``, which the message errors also are where pydantic lets
#: it be subclassed (2.10 and later); before, the package's own.
INVALID: type[Exception] = pydantic.ValidationError if PYDANTIC_SUBCLASS else MessageValidationError

WAIT = 20


kit = kit_fixture(servers=True)


class User(BaseModel):
    name: str


async def test_field_defaults_on_the_real_broker(kit: Kit, name: str) -> None:
    broker = kit.Broker(kit.url)
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(name)
    async def handle(
        name: str = Field(..., examples=["John"]),
        user_id: NonNegativeInt = Field(5, description="Registered user id"),
    ) -> None:
        await got.put((name, user_id))

    async with broker:
        await broker.start()
        await broker.publish({"name": "John", "user_id": 1}, name)
        assert await asyncio.wait_for(got.get(), WAIT) == ("John", 1)
        await broker.publish({"name": "Ann"}, name)
        assert await asyncio.wait_for(got.get(), WAIT) == ("Ann", 5)


def _doubled(n: int = Field(1, ge=0)) -> int:
    return n * 2


async def test_field_defaults_in_dependencies_on_the_real_broker(kit: Kit, name: str) -> None:
    broker = kit.Broker(kit.url)
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(name)
    async def handle(x: int, y: str, twice: int = Depends(_doubled)) -> None:
        await got.put(twice)

    async with broker:
        await broker.start()
        await broker.publish({"x": 1, "y": "a", "n": 4}, name)
        assert await asyncio.wait_for(got.get(), WAIT) == 8


async def test_with_real_wait_call_raises_the_validation_error(kit: Kit, name: str) -> None:
    broker = kit.Broker(kit.url)

    @broker.subscriber(name)
    async def handle(user: User) -> None: ...

    async with kit.Test(broker, with_real=True) as br:
        with pytest.raises(INVALID):
            await br.publish("wrong message", name)
            await handle.wait_call(WAIT)
        assert handle.mock is not None
        handle.mock.assert_called_once_with("wrong message")
    assert handle.mock is None


@pytest.mark.rabbit
async def test_rabbit_consume_args_read_a_stream_from_its_first_offset() -> None:
    url = URLS["rabbit"]
    queue = RabbitQueue(
        f"stream-{uuid.uuid4().hex[:12]}", durable=True, arguments={"x-queue-type": "stream"}
    )
    first = RabbitBroker(url)
    first.subscriber(queue, consume_args={"x-stream-offset": "first"})(lambda m: None)
    try:
        async with first:
            await first.start()  # declares the stream
            await first.publish("before", queue)  # published before the next one consumes
        broker = RabbitBroker(url)
        got: asyncio.Queue[str] = asyncio.Queue()

        @broker.subscriber(queue, consume_args={"x-stream-offset": "first"})
        async def handle(msg: str) -> None:
            await got.put(msg)

        async with broker:
            await broker.start()
            assert await asyncio.wait_for(got.get(), WAIT) == "before"
    finally:
        connection = await aio_pika.connect(url)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(queue.name)


@pytest.mark.kafka
@pytest.mark.parametrize("package", ["kafka", "confluent"])
async def test_a_custom_parser_sets_the_kafka_message_id(package: str, name: str) -> None:
    kit = Kit(package)

    async def parser(raw: Any, original: Any) -> Any:
        message = await original(raw)
        message.message_id = message.headers.get("custom_message_id")
        return message

    broker = kit.Broker(kit.url, parser=parser)
    got: asyncio.Queue[Any] = asyncio.Queue()

    async def handle(message):  # type: ignore[no-untyped-def]
        await got.put(message.message_id)

    handle.__annotations__["message"] = kit.pkg.KafkaMessage
    broker.subscriber(name, auto_offset_reset="earliest")(handle)

    async with broker:
        await broker.start()
        await broker.publish("", name, headers={"custom_message_id": "1"})
        assert await asyncio.wait_for(got.get(), WAIT) == "1"

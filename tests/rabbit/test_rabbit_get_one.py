"""``subscriber.get_one`` on RabbitMQ: on the server and under ``TestRabbitBroker``."""

from __future__ import annotations

import asyncio

import aio_pika
import pytest
from pydantic import BaseModel

from faststream_fastapi.rabbit import RabbitBroker, RabbitExchange, RabbitQueue, TestRabbitBroker
from support import memory_and_real, running

URL = "amqp://guest:guest@127.0.0.1:5672/"


class Item(BaseModel):
    n: int


mode = memory_and_real(pytest.mark.rabbit)


async def test_get_one_takes_one_message_or_times_out(name: str, mode: str) -> None:
    broker = RabbitBroker(URL)
    sub = broker.subscriber(RabbitQueue(name, auto_delete=True))

    async with running(broker, mode, TestRabbitBroker) as br:
        assert await sub.get_one(timeout=1e-24) is None
        await br.publish(Item(n=1), name)
        await br.publish(Item(n=2), name)
        first = await sub.get_one(timeout=3)
        second = await sub.get_one(timeout=3)
        assert first is not None and second is not None
        assert (first.decoded(), second.decoded()) == ({"n": 1}, {"n": 2})
        assert await sub.get_one(timeout=0.05) is None


async def test_get_one_waits_for_a_message_published_meanwhile(name: str, mode: str) -> None:
    broker = RabbitBroker(URL)
    exchange = RabbitExchange(f"{name}-x", auto_delete=True)
    sub = broker.subscriber(RabbitQueue(name, auto_delete=True), exchange)

    async with running(broker, mode, TestRabbitBroker) as br:

        async def later() -> None:
            await asyncio.sleep(0.1)
            await br.publish("late", name, exchange=exchange)

        task = asyncio.create_task(later())
        msg = await sub.get_one(timeout=5)
        await task
        assert msg is not None and msg.decoded() == "late"


async def test_get_one_refuses_a_subscriber_with_a_handler(name: str, mode: str) -> None:
    broker = RabbitBroker(URL)
    sub = broker.subscriber(RabbitQueue(name, auto_delete=True))

    @sub
    async def handle(body: str) -> None: ...

    async with running(broker, mode, TestRabbitBroker):
        with pytest.raises(AssertionError):
            await sub.get_one(timeout=1e-24)


@pytest.mark.rabbit
async def test_a_taken_message_is_acked_and_the_rest_requeued_at_close(name: str) -> None:
    queue = RabbitQueue(name, durable=False)
    broker = RabbitBroker(URL)
    sub = broker.subscriber(queue)
    async with running(broker, "real", TestRabbitBroker) as br:
        await br.publish(1, name)
        await br.publish(2, name)
        first = await sub.get_one(timeout=3)
        assert first is not None and first.decoded() == 1

    again = RabbitBroker(URL)
    sub = again.subscriber(queue)
    async with running(again, "real", TestRabbitBroker):
        second = await sub.get_one(timeout=3)
        assert second is not None and second.decoded() == 2  # 1 was acked when taken
        assert await sub.get_one(timeout=0.2) is None
    connection = await aio_pika.connect(URL)
    async with connection:
        await (await connection.channel()).queue_delete(name)

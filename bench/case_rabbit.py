"""RabbitMQ queue: bare aio-pika (consume callback, validate, await dep, ack) vs ours.

Both sides use one robust connection, a consumer channel with the same
prefetch (our default, 10) and one ack per message after the handler. The bare
loop is aio-pika's documented consumer; ours consumes on the aiormq channel
beneath it (see ``rabbit.transport``), which is why it can be faster.
"""

from __future__ import annotations

import time
import uuid

import aio_pika
from common import PAYLOAD, PAYLOAD_JSON, Counter, Dep, Item, async_dep, encode, timed

from faststream_fastapi import Logger
from faststream_fastapi.rabbit import RabbitQueue
from faststream_fastapi.rabbit.fastapi import RabbitRouter
from faststream_fastapi.rabbit.transport import DEFAULT_PREFETCH

URL = "amqp://guest:guest@127.0.0.1:5672/"


async def _fill(queue: str, n: int) -> None:
    connection = await aio_pika.connect(URL)
    channel = await connection.channel(publisher_confirms=False)
    await channel.declare_queue(queue, auto_delete=True)
    for _ in range(n):
        await channel.default_exchange.publish(
            aio_pika.Message(PAYLOAD_JSON, content_type="application/json"), queue
        )
    # A confirmed round trip, so every message above is in the queue.
    await channel.declare_queue(queue, passive=True)
    await connection.close()


async def bare(n: int) -> float:
    queue_name = f"bench-bare-{uuid.uuid4().hex}"
    connection = await aio_pika.connect_robust(URL)
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=DEFAULT_PREFETCH)
    await _fill(queue_name, n)
    queue = await channel.declare_queue(queue_name, auto_delete=True)
    counter = Counter(n)

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        item = Item.model_validate_json(message.body)
        await async_dep()
        assert item.qty == 3
        await message.ack()
        counter.hit()

    async def start() -> None:
        await queue.consume(on_message, no_ack=False)

    rate = await timed(start, counter)
    await connection.close()
    return rate


async def ours(n: int) -> float:
    queue_name = f"bench-ours-{uuid.uuid4().hex}"
    router = RabbitRouter(URL)
    counter = Counter(n)

    @router.subscriber(RabbitQueue(queue_name, auto_delete=True))
    async def handler(item: Item, logger: Logger, d: Dep) -> None:
        assert item.qty == 3
        counter.hit()

    await _fill(queue_name, n)
    async with router.broker as broker:
        rate = await timed(broker.start, counter)
    return rate


async def publish_bare(n: int) -> float:
    queue = f"bench-pub-{uuid.uuid4().hex}"
    connection = await aio_pika.connect_robust(URL)
    channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
    await channel.declare_queue(queue, auto_delete=True)
    t0 = time.perf_counter()
    for _ in range(n):
        await channel.default_exchange.publish(
            aio_pika.Message(encode(), content_type="application/json"), queue
        )
    rate = n / (time.perf_counter() - t0)
    await channel.queue_delete(queue)
    await connection.close()
    return rate


async def publish_ours(n: int) -> float:
    queue = f"bench-pub-{uuid.uuid4().hex}"
    router = RabbitRouter(URL)
    async with router.broker as broker:
        connection = await aio_pika.connect(URL)
        channel = await connection.channel()
        await channel.declare_queue(queue)
        t0 = time.perf_counter()
        for _ in range(n):
            await broker.publish(PAYLOAD, queue)
        rate = n / (time.perf_counter() - t0)
        await channel.queue_delete(queue)
        await connection.close()
    return rate

"""Kafka through confluent-kafka, no group, batched fetches: bare client vs our handler.

The bare loop consumes up to 500 records per call in a worker thread, as ours
does; it uses ``consume(500, 0.2)``, which waits to fill the batch, where ours
takes the first record as soon as it comes and then what is already buffered
(for latency under light load). Given ours' fetches, the bare loop measured about
a fifth slower here: the stronger baseline is kept.
Publishing is measured in windows of 100 concurrent publishes, each awaited
until its delivery report (served by a polling thread) arrived.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from typing import Any

from case_kafka import drop, on_filled
from common import PAYLOAD, PAYLOAD_JSON, Counter, Dep, Item, async_dep, encode, timed
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

from faststream_fastapi import Logger
from faststream_fastapi.confluent.fastapi import KafkaRouter

SERVERS = "127.0.0.1:9092"
HEADERS = [("content-type", b"application/json")]
WINDOW = 100


def fill(topic: str, n: int) -> None:
    producer = Producer({"bootstrap.servers": SERVERS})
    for i in range(n):
        producer.produce(topic, PAYLOAD_JSON, headers=HEADERS)
        if i % 1000 == 0:
            producer.poll(0)
    producer.flush(30)


async def bare(n: int) -> float:
    return await on_filled(fill, consume_bare, n)


async def consume_bare(topic: str, n: int) -> float:
    config = {
        "bootstrap.servers": SERVERS,
        "group.id": f"unused-{topic}",
        "enable.auto.commit": False,
    }
    consumer: Any = None
    counter = Counter(n)

    async def consume() -> None:
        nonlocal consumer
        consumer = Consumer(config)  # inside the timing, as ours connects inside it
        meta = await asyncio.to_thread(consumer.list_topics, topic, 10)
        consumer.assign(
            [TopicPartition(topic, p, OFFSET_BEGINNING) for p in meta.topics[topic].partitions]
        )
        while counter.count < n:
            for msg in await asyncio.to_thread(consumer.consume, 500, 0.2):
                if msg.error() is not None:
                    continue
                item = Item.model_validate_json(msg.value())
                await async_dep()
                assert item.qty == 3
                counter.hit()

    rate = await timed(consume, counter)
    await asyncio.to_thread(consumer.close)
    return rate


async def ours(n: int) -> float:
    return await on_filled(fill, consume_ours, n)


async def consume_ours(topic: str, n: int) -> float:
    router = KafkaRouter(SERVERS)
    counter = Counter(n)

    @router.subscriber(topic, auto_offset_reset="earliest", max_records=500)
    async def handler(item: Item, logger: Logger, d: Dep) -> None:
        assert item.qty == 3
        counter.hit()

    async with router.broker as broker:
        rate = await timed(broker.start, counter)
    return rate


async def publish_bare(n: int) -> float:
    topic = f"bench-pub-{uuid.uuid4().hex}"
    producer = Producer({"bootstrap.servers": SERVERS})
    loop = asyncio.get_running_loop()
    running = True

    def poll() -> None:
        while running:
            producer.poll(0.1)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()

    async def one() -> None:
        future: asyncio.Future[Any] = loop.create_future()

        def delivered(err: Any, msg: Any) -> None:
            loop.call_soon_threadsafe(future.set_result, err)

        producer.produce(topic, encode(), headers=HEADERS, on_delivery=delivered)
        assert await future is None

    t0 = time.perf_counter()
    for start in range(0, n, WINDOW):
        await asyncio.gather(*(one() for _ in range(min(WINDOW, n - start))))
    rate = n / (time.perf_counter() - t0)
    running = False
    await asyncio.to_thread(poller.join)
    await drop(topic)
    return rate


async def publish_ours(n: int) -> float:
    topic = f"bench-pub-{uuid.uuid4().hex}"
    router = KafkaRouter(SERVERS)
    async with router.broker as broker:
        t0 = time.perf_counter()
        for start in range(0, n, WINDOW):
            await asyncio.gather(
                *(broker.publish(PAYLOAD, topic) for _ in range(min(WINDOW, n - start)))
            )
        rate = n / (time.perf_counter() - t0)
    await drop(topic)
    return rate

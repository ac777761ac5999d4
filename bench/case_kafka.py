"""Kafka through aiokafka, no group, 500 records per fetch: bare aiokafka vs our handler.

Publishing is measured in windows of 100 concurrent publishes (each awaited
until the cluster acknowledged it): Kafka's throughput comes from pipelining.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from common import PAYLOAD, PAYLOAD_JSON, Counter, Dep, Item, async_dep, encode, timed

from faststream_fastapi import Logger
from faststream_fastapi.kafka.fastapi import KafkaRouter

SERVERS = "127.0.0.1:9092"
HEADERS = [("content-type", b"application/json")]
WINDOW = 100


async def fill(topic: str, n: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=SERVERS)
    await producer.start()
    for start in range(0, n, 1000):
        batch = [
            await producer.send(topic, PAYLOAD_JSON, headers=HEADERS)
            for _ in range(min(1000, n - start))
        ]
        await asyncio.gather(*batch)
    await producer.stop()


async def drop(*topics: str) -> None:
    """Delete what a run filled: tansu keeps every record in memory, and a broker
    holding hundreds of MiB of earlier runs serves the later ones slower."""
    admin = AIOKafkaAdminClient(bootstrap_servers=SERVERS)
    await admin.start()
    try:
        await admin.delete_topics(list(topics))
    finally:
        await admin.close()


async def on_filled(
    fill: Callable[[str, int], Any],
    consume: Callable[[str, int], Awaitable[float]],
    n: int,
) -> float:
    """``consume`` a fresh topic ``fill`` put ``n`` messages in (a plain function runs
    in a thread); the topic is deleted afterwards."""
    topic = f"bench-{uuid.uuid4().hex}"
    if asyncio.iscoroutinefunction(fill):
        await fill(topic, n)
    else:
        await asyncio.to_thread(fill, topic, n)
    try:
        return await consume(topic, n)
    finally:
        await drop(topic)


async def bare(n: int) -> float:
    return await on_filled(fill, consume_bare, n)


async def consume_bare(topic: str, n: int) -> float:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=SERVERS, auto_offset_reset="earliest", enable_auto_commit=False
    )
    counter = Counter(n)

    async def consume() -> None:
        await consumer.start()
        parts = consumer.partitions_for_topic(topic) or set()
        if not parts:
            await consumer.topics()
            parts = consumer.partitions_for_topic(topic) or set()
        consumer.assign([TopicPartition(topic, p) for p in parts])
        while counter.count < n:
            batches = await consumer.getmany(timeout_ms=200, max_records=500)
            for records in batches.values():
                for record in records:
                    item = Item.model_validate_json(record.value)
                    await async_dep()
                    assert item.qty == 3
                    counter.hit()

    rate = await timed(consume, counter)
    await consumer.stop()
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
    producer = AIOKafkaProducer(bootstrap_servers=SERVERS)
    await producer.start()

    async def one() -> None:
        await producer.send_and_wait(topic, encode(), headers=HEADERS)

    t0 = time.perf_counter()
    for start in range(0, n, WINDOW):
        await asyncio.gather(*(one() for _ in range(min(WINDOW, n - start))))
    rate = n / (time.perf_counter() - t0)
    await producer.stop()
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

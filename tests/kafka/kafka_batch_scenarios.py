"""Real-cluster scenarios of batch publishers, ``batch_headers`` and ``get_one``,
for both Kafka client packages (collected by ``test_kafka_real.py`` and
``test_confluent_real.py``, which provide the ``pkg`` fixture)."""

from __future__ import annotations

import asyncio
from types import ModuleType
from typing import Any

import pytest
from kafka_scenarios import GROUP_OPTIONS, WAIT, Item, make_broker

from faststream_fastapi.kafka.fastapi import KafkaMessage as Msg

pytestmark = pytest.mark.kafka


async def test_batch_publisher_publishes_each_item(pkg: ModuleType, name: str) -> None:
    broker = make_broker(pkg)
    got: asyncio.Queue[Any] = asyncio.Queue()
    out = broker.publisher(f"{name}-out", batch=True)

    @broker.subscriber(name, auto_offset_reset="earliest")
    @out
    async def split(n: int) -> list[int]:
        return list(range(n))

    @broker.subscriber(f"{name}-out", batch=True, auto_offset_reset="earliest")
    async def gather(items: list[int], msg: Msg) -> None:
        await got.put((items, [h.get("x") for h in msg.batch_headers]))

    async with broker:
        await broker.start()
        await broker.publish(3, name)
        await out.publish(7, 8, headers={"x": "manual"})
        seen: list[int] = []
        headers: list[Any] = []
        while len(seen) < 5:
            items, hs = await asyncio.wait_for(got.get(), WAIT)
            seen += items
            headers += hs
    assert sorted(seen) == [0, 1, 2, 7, 8]
    assert headers.count("manual") == 2


async def test_get_one_without_a_group(pkg: ModuleType, name: str) -> None:
    broker = make_broker(pkg)
    await _create(broker, name)
    sub = broker.subscriber(name)

    async with broker:
        await broker.start()
        assert await sub.get_one(timeout=1e-24) is None
        await broker.publish(Item(x=1), name, partition=0)  # one partition: in order
        await broker.publish(Item(x=2), name, partition=0)
        first = await sub.get_one(timeout=WAIT)
        second = await sub.get_one(timeout=WAIT)
        assert first is not None and second is not None
        assert (first.decoded(), second.decoded()) == ({"x": 1}, {"x": 2})
        assert await sub.get_one(timeout=0.1) is None


async def test_get_one_in_a_group_commits_what_is_acked(pkg: ModuleType, name: str) -> None:
    group = f"{name}-g"
    options = dict(group_id=group, auto_offset_reset="earliest", **GROUP_OPTIONS)
    broker = make_broker(pkg)
    sub = broker.subscriber(name, **options)
    async with broker:
        await broker.publish_batch(1, 2, topic=name, partition=0)
        await broker.start()
        msg = await sub.get_one(timeout=WAIT)
        assert msg is not None and msg.decoded() == 1
        await msg.ack()

    again = make_broker(pkg)
    sub = again.subscriber(name, **options)
    async with again:
        await again.start()
        msg = await sub.get_one(timeout=WAIT)
        assert msg is not None and msg.decoded() == 2  # 1 was committed


async def _create(broker: Any, topic: str) -> None:
    """Make the topic exist with one empty record, so a subscriber without a group
    has partitions to read from their end at start."""
    async with broker:
        await broker.publish(None, topic)


async def test_binary_items_stay_bytes_in_a_batch(pkg: ModuleType, name: str) -> None:
    broker = make_broker(pkg)
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(name, batch=True, auto_offset_reset="earliest")
    async def gather(items):  # type: ignore[no-untyped-def]  # unannotated, as in 0.5
        await got.put(items)

    async with broker:
        await broker.start()
        await broker.publish_batch(b"a", "b", 1, topic=name, partition=0)
        seen: list[Any] = []
        while len(seen) < 3:
            seen += await asyncio.wait_for(got.get(), WAIT)
    assert seen == [b"a", "b", 1]

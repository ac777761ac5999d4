"""Pausing a partition of the aiokafka source leaves it out of ``getmany``."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import TopicPartition as TP

from faststream_fastapi.kafka.transport import _AiokafkaSource, _Assigned


class Consumer:
    """Records which partitions each ``getmany`` asked for."""

    def __init__(self, *tps: TP) -> None:
        self.tps = set(tps)
        self.asked: list[tuple[TP, ...]] = []

    def assignment(self) -> set[TP]:
        return set(self.tps)

    async def getmany(self, *tps: TP, timeout_ms: int, max_records: int) -> dict[TP, Any]:
        self.asked.append(tps)
        return {}


async def test_a_paused_partition_is_left_out_of_the_reads_until_resumed() -> None:
    a, b = TP("t", 0), TP("t", 1)
    consumer = Consumer(a, b)
    source = _AiokafkaSource(consumer)  # type: ignore[arg-type]
    await source.fetch(10, 5)
    source.pause([("t", 0)])
    await source.fetch(10, 5)
    source.resume([("t", 0)])
    await source.fetch(10, 5)
    assert consumer.asked == [(), (b,), ()]


async def test_with_every_partition_paused_a_fetch_waits_for_a_resume() -> None:
    consumer = Consumer(TP("t", 0))
    source = _AiokafkaSource(consumer)  # type: ignore[arg-type]
    source.pause([("t", 0)])
    assert await source.fetch(10, 10) == []  # the timeout, without reading
    fetching = asyncio.ensure_future(source.fetch(10, 5000))
    await asyncio.sleep(0.01)
    source.resume([("t", 0)])
    assert await asyncio.wait_for(fetching, 1) == []
    assert consumer.asked == []


async def test_a_partition_assigned_again_starts_unpaused() -> None:
    consumer = Consumer(TP("t", 0))
    source = _AiokafkaSource(consumer)  # type: ignore[arg-type]
    source.pause([("t", 0)])
    await _Assigned(source).on_partitions_assigned({TP("t", 0)})
    await source.fetch(10, 5)
    assert consumer.asked == [()]

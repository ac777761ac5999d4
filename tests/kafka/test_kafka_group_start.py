"""A group subscriber has joined its group when ``start`` returns (as aiokafka's own
``start``, and so FastStream 0.5): a record published next is read, also when the
group starts reading at the end (``auto_offset_reset="latest"``)."""

import asyncio
import uuid
from typing import Any

import pytest

from faststream_fastapi.kafka import KafkaBroker
from support import collect


@pytest.mark.kafka
async def test_a_record_published_right_after_start_is_read(name: str) -> None:
    got: asyncio.Queue[Any] = asyncio.Queue()
    broker = KafkaBroker("127.0.0.1:9092")

    @broker.subscriber(name, group_id=f"g-{uuid.uuid4().hex}", auto_offset_reset="latest")
    async def first(body: str) -> None:
        await got.put(("first", body))

    @broker.subscriber(name + "-2", group_id=f"g-{uuid.uuid4().hex}")
    async def second(body: str) -> None:
        await got.put(("second", body))

    async with broker:
        await broker.start()  # both groups joined, at once
        assert all(s.consumption.source.joined.is_set() for s in broker.subscribers)  # type: ignore[union-attr]
        await broker.publish("a", name)
        await broker.publish("b", name + "-2")
        assert sorted(await collect(2, got, timeout=10)) == [("first", "a"), ("second", "b")]

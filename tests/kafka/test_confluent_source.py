"""The confluent-kafka record source: what the event loop asks of the consumer is made
in the consumer's thread, never on the loop while that thread waits in a poll."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka import TopicPartition as TP
from kafka_scenarios import SERVERS, create_topic

from faststream_fastapi._kafka.specs import KafkaTopic, TopicPartition
from faststream_fastapi.confluent.source import CAPPED_STEP, ConfluentSource
from faststream_fastapi.confluent.transport import ConfluentTransport

pytestmark = pytest.mark.kafka


async def fetch_offsets(source: ConfluentSource, count: int) -> list[int]:
    out: list[int] = []
    deadline = time.monotonic() + 15
    while len(out) < count and time.monotonic() < deadline:
        out += [source.where(r)[2] for r in await source.fetch(count - len(out), 500)]
    return out


async def test_commits_and_seeks_do_not_wait_for_the_poll_under_way(name: str) -> None:
    topic = create_topic(name, partitions=1)
    producer = Producer({"bootstrap.servers": SERVERS})
    for i in range(3):
        producer.produce(topic, str(i).encode(), partition=0)
    producer.flush(15)
    transport = ConfluentTransport(SERVERS)
    await transport.connect()
    spec = KafkaTopic(partitions=(TopicPartition(topic, 0, 0),), group_id=uuid.uuid4().hex)
    source = await transport.open_source(spec)
    try:
        assert await fetch_offsets(source, 3) == [0, 1, 2]
        # Nothing left: the consumer's thread waits 1.5 s in its poll.
        polling = asyncio.ensure_future(source.fetch(10, 1500))
        await asyncio.sleep(0.2)
        started = time.perf_counter()
        await source.commit({(topic, 0): 2}, False)
        source.seek(topic, 0, 1)
        # confluent-kafka serializes a consumer's calls: made here, each held the
        # event loop until the poll returned.
        assert time.perf_counter() - started < 0.1
        assert not polling.done()
        assert await polling == []
        # Both were made before the next fetch, in the consumer's thread.
        assert await fetch_offsets(source, 2) == [1, 2]
        committed: list[Any] = await source.run(source.consumer.committed, [TP(topic, 0)], 10)
        assert committed[0].offset == 2
    finally:
        await source.close()
        await transport.close()


async def test_lanes_fetch_keeps_the_records_past_a_lanes_cap_and_hands_them_on_in_order(
    name: str,
) -> None:
    topic = create_topic(name, partitions=2)
    producer = Producer({"bootstrap.servers": SERVERS})
    for i in range(200):
        producer.produce(topic, str(i).encode(), partition=i % 2)
    producer.flush(15)
    transport = ConfluentTransport(SERVERS)
    await transport.connect()
    parts = (TopicPartition(topic, 0, 0), TopicPartition(topic, 1, 0))
    spec = KafkaTopic(partitions=parts, group_id=name, max_workers=2)
    source = await transport.open_source(spec)
    p0, p1 = (topic, 0), (topic, 1)
    taken: dict[int, list[int]] = {0: [], 1: []}

    async def fetch(held: dict[tuple[str, int], int], timeout_ms: int = 500) -> list[int]:
        records = await source.fetch_lanes(200, timeout_ms, held, 10)
        for r in records:
            taken[source.where(r)[1]].append(source.where(r)[2])
        return [source.where(r)[1] for r in records]

    try:
        # Lanes full at 10 each: no lane is given more, and what librdkafka handed out
        # past that is kept, in order, up to the cap again, then the partition pauses.
        deadline = time.monotonic() + 15
        while source.stopped != {p0, p1} and time.monotonic() < deadline:
            await fetch({p: len(taken[p[1]]) for p in (p0, p1)})
        assert source.stopped == {p0, p1}
        assert taken == {0: list(range(10)), 1: list(range(10))}
        for position in (p0, p1):
            kept = [source.where(r)[2] for r in source.kept.queues[position]]
            assert kept == list(range(10, 10 + len(kept)))
            assert 10 <= len(kept) < 10 + CAPPED_STEP
        # Partition 0's lane drained: it gets its kept records first, none fetched
        # again; partition 1's lane is still full, so it gets none.
        assert set(await fetch({p1: 10}, timeout_ms=0)) == {0}
        assert taken[0] == list(range(20))
        assert len(taken[1]) == 10
        # Every partition had been paused: partition 0, resumed as its kept records
        # ran low, is read on at once, from where its kept records end.
        started = time.monotonic()
        while len(taken[0]) < 100 and time.monotonic() < started + 15:
            await fetch({p1: 10})
        assert taken[0] == list(range(100))
        assert time.monotonic() - started < 2
        # A seek back drops what was kept past it: partition 1 reads on from 5.
        source.seek(topic, 1, 5)
        taken[1].clear()
        while len(taken[1]) < 95 and time.monotonic() < started + 15:
            await fetch({})
        assert taken[1] == list(range(5, 100))
        assert source.kept.count == 0
    finally:
        await source.close()
        await transport.close()


async def test_a_commit_still_queued_is_made_before_the_consumer_closes(name: str) -> None:
    topic = create_topic(name, partitions=1)
    producer = Producer({"bootstrap.servers": SERVERS})
    for i in range(10):
        producer.produce(topic, str(i).encode(), partition=0)
    producer.flush(15)
    transport = ConfluentTransport(SERVERS)
    await transport.connect()
    spec = KafkaTopic(partitions=(TopicPartition(topic, 0, 0),), group_id=name)
    source = await transport.open_source(spec)
    try:
        await source.commit({(topic, 0): 7}, False)  # queued for the next fetch, none comes
    finally:
        await source.close()
        await transport.close()
    reader = Consumer({"bootstrap.servers": SERVERS, "group.id": name})
    try:
        committed = await asyncio.to_thread(reader.committed, [TP(topic, 0)], 10)
    finally:
        reader.close()
    assert committed[0].offset == 7

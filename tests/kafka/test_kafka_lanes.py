"""The lanes of a Kafka subscriber with ``max_workers`` above 1, on a scripted record source."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from faststream_fastapi._kafka.consume import Position, RecordSource
from faststream_fastapi._kafka.lanes import LaneLoop, consume_loop
from faststream_fastapi._kafka.message import KafkaMessage
from faststream_fastapi._kafka.specs import KafkaTopic
from faststream_fastapi.core.message import Settler

Record = tuple[str, int, int]
LOG = logging.getLogger("test-lanes")


class Script(RecordSource):
    """Returns the scripted fetches in turn, then nothing."""

    def __init__(self, *fetches: list[Record]) -> None:
        super().__init__()
        self.fetches = deque(fetches)
        self.seeks: list[Record] = []
        self.commits: list[dict[Position, int]] = []

    async def fetch(self, max_records: int, timeout_ms: int) -> Sequence[Any]:
        await asyncio.sleep(0)
        if self.fetches:
            return self.fetches.popleft()
        await asyncio.sleep(0.01)
        return []

    def where(self, record: Any) -> tuple[str, int, int]:
        topic, partition, offset = record
        return topic, partition, offset

    def pause(self, positions: Iterable[Position]) -> None: ...

    def resume(self, positions: Iterable[Position]) -> None: ...

    def build(self, record: Any, offsets: Settler[KafkaMessage]) -> KafkaMessage:
        topic, partition, offset = record
        return KafkaMessage(b"", topic=topic, partition=partition, offset=offset, settler=offsets)

    def seek(self, topic: str, partition: int, offset: int) -> None:
        self.seeks.append((topic, partition, offset))

    async def commit(self, offsets: dict[Position, int], final: bool) -> None:
        self.commits.append(dict(offsets))

    async def close(self) -> None: ...


def lanes(source: Script, handle: Callable[[KafkaMessage], Awaitable[None]]) -> LaneLoop:
    spec = KafkaTopic(topics=("t",), group_id="g", max_workers=2)
    loop = consume_loop(source, spec, handle, LOG)
    assert isinstance(loop, LaneLoop)
    return loop


def committed(source: Script) -> dict[Position, int]:
    out: dict[Position, int] = {}
    for commit in source.commits:
        out.update(commit)
    return out


async def until(check: Callable[[], bool]) -> None:
    deadline = asyncio.get_running_loop().time() + 5
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.005)


def records(partition: int, *offsets: int) -> list[Record]:
    return [("t", partition, o) for o in offsets]


async def test_one_worker_keeps_the_single_loop() -> None:
    spec = KafkaTopic(topics=("t",), group_id="g")
    loop = consume_loop(Script(), spec, lambda m: asyncio.sleep(0), LOG)
    assert not isinstance(loop, LaneLoop)
    await loop.stop()


async def test_a_partition_ahead_commits_while_another_holds_its_first_record() -> None:
    source = Script(records(0, 0, 1, 2) + records(1, 0, 1))
    release = asyncio.Event()
    handled: list[Record] = []

    async def handle(msg: KafkaMessage) -> None:
        if (msg.partition, msg.offset) == (0, 0):
            await release.wait()
        handled.append((msg.topic, msg.partition, msg.offset))
        msg.settler.settle_now(msg, "ack")

    loop = lanes(source, handle)
    await until(lambda: committed(source).get(("t", 1)) == 2)
    assert ("t", 0) not in committed(source)
    release.set()
    await until(lambda: committed(source).get(("t", 0)) == 3)
    await loop.stop()
    assert [r for r in handled if r[1] == 0] == records(0, 0, 1, 2)


async def test_a_nack_seeks_back_and_drops_what_was_fetched_past_it() -> None:
    source = Script(
        records(0, 0, 1, 2),
        records(0, 3),  # fetched before the seek took effect: dropped
        records(0, 1, 2, 3),  # read again from the record nacked
    )
    handled: list[int] = []

    async def handle(msg: KafkaMessage) -> None:
        handled.append(msg.offset)
        first = handled.count(1) == 1 and msg.offset == 1
        msg.settler.settle_now(msg, "nack" if first else "ack")

    loop = lanes(source, handle)
    await until(lambda: handled[-1:] == [3])
    await loop.stop()
    assert handled == [0, 1, 1, 2, 3]
    assert source.seeks == [("t", 0, 1)]
    assert committed(source) == {("t", 0): 4}


async def test_a_revoke_drops_waiting_records_and_returns_what_was_settled() -> None:
    source = Script(records(0, 0, 1, 2) + records(1, 0))
    release = asyncio.Event()
    handled: list[Record] = []

    async def handle(msg: KafkaMessage) -> None:
        if msg.partition == 0:
            await release.wait()
        handled.append((msg.topic, msg.partition, msg.offset))
        msg.settler.settle_now(msg, "ack")

    loop = lanes(source, handle)
    await until(lambda: len(handled) == 1)
    revoking = asyncio.ensure_future(loop.revoke([("t", 0), ("t", 1)]))
    await asyncio.sleep(0.02)
    assert not revoking.done()  # the handler in hand is waited for
    release.set()
    done = await revoking
    await loop.stop()
    # The revoked partitions' settled offsets, to commit before they go (partition 1's
    # may have gone with the loop's own commit already); records 1 and 2 never started.
    assert done[("t", 0)] == 1
    assert {**committed(source), **done}[("t", 1)] == 1
    assert sorted(handled) == [("t", 0, 0), ("t", 1, 0)]


async def test_a_delivery_bug_stops_the_consumer() -> None:
    source = Script(records(0, 0))

    async def handle(msg: KafkaMessage) -> None:
        raise RuntimeError("not settled by a pipeline")

    loop = lanes(source, handle)
    await until(lambda: not loop.alive)
    await loop.stop()
    assert committed(source) == {}


class Asked(Script):
    """Records how many records each fetch asked for; confluent's share of ``max_records``."""

    lane_fetch_share = 4

    def __init__(self, *fetches: list[Record]) -> None:
        super().__init__(*fetches)
        self.asked: list[int] = []

    async def fetch(self, max_records: int, timeout_ms: int) -> Sequence[Any]:
        self.asked.append(max_records)
        return await super().fetch(max_records, timeout_ms)


async def test_a_dear_fetch_asks_for_a_share_of_max_records_within_the_room_left() -> None:
    release = asyncio.Event()

    async def handle(msg: KafkaMessage) -> None:
        await release.wait()

    def run(source: Asked) -> LaneLoop:
        spec = KafkaTopic(topics=("t",), group_id="g", max_workers=64, max_records=100)
        loop = consume_loop(source, spec, handle, LOG)
        assert isinstance(loop, LaneLoop)
        return loop

    plain = Asked()
    plain.lane_fetch_share = None  # aiokafka's: a chunk, max_records / max_workers
    loop = run(plain)
    await until(lambda: len(plain.asked) >= 2)
    await loop.stop()
    assert set(plain.asked) == {1}

    # 290 records held in one partition's lane: the next fetch asks for the 10 left
    # under 3 * max_records, not the 25 of a quarter.
    source = Asked(records(0, *range(290)))
    loop = run(source)
    await until(lambda: len(source.asked) >= 3)
    assert source.asked[:2] == [25, 10]
    release.set()
    await loop.stop()


class Pacing(Script):
    """A source that paces the lanes itself (confluent's), noting what it is told."""

    paces_lanes = True

    def __init__(self, *fetches: list[Record]) -> None:
        super().__init__(*fetches)
        self.caps: list[tuple[dict[Position, int], int]] = []
        self.flow: list[str] = []

    async def fetch_lanes(
        self, max_records: int, timeout_ms: int, held: dict[Position, int], cap: int
    ) -> Sequence[Any]:
        self.caps.append((held, cap))
        return await self.fetch(max_records, timeout_ms)

    def pause(self, positions: Iterable[Position]) -> None:
        self.flow.append("pause")

    def resume(self, positions: Iterable[Position]) -> None:
        self.flow.append("resume")


async def test_a_source_that_paces_the_lanes_is_told_their_holding_and_not_paused() -> None:
    release = asyncio.Event()

    async def handle(msg: KafkaMessage) -> None:
        if msg.offset == 0:
            await release.wait()
        msg.settler.settle_now(msg, "ack")

    # 2 workers, 10 records a fetch: a lane's share of the room is 15.
    source = Pacing(records(0, *range(15)), records(1, 0))
    spec = KafkaTopic(topics=("t",), group_id="g", max_workers=2, max_records=10)
    loop = consume_loop(source, spec, handle, LOG)
    assert isinstance(loop, LaneLoop)
    await until(lambda: len(source.caps) >= 3)
    # Each fetch is told what each lane holds and its cap; the lane holding its
    # share is left to the source, which would pause or keep what is past the cap.
    assert source.caps[0] == ({}, 15)
    assert source.caps[1][0][("t", 0)] >= 14
    release.set()
    await until(lambda: committed(source).get(("t", 0)) == 15)
    await loop.stop()
    assert source.flow == []

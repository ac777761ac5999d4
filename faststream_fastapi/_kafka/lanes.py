"""The consume loop of a Kafka subscriber with ``max_workers`` above 1: a lane per partition.

Each assigned partition has a lane: its fetched records (or batches) wait there
and are handled one at a time, in offset order; lanes run at once, at most
``max_workers`` handlers in all. A partition's records are therefore settled in
order, and the committed offset of a partition (the record after the last one
settled) never passes a record still in hand. The settled offsets are committed
between fetches in a task of their own, one commit at a time: the fetch loop
refills the lanes meanwhile, and a later commit never lands before an earlier one.

Back-pressure: records are fetched ``max_records / max_workers`` at a time (a
chunk; more where the source asks, ``RecordSource.lane_fetch_share``); a
partition whose lane holds its share of the room (three chunks) is paused
(``RecordSource.pause``) until it is down to less than half of that, so a slow
partition does not pile up while the others run (a lane that keeps up is never
paused: pausing costs a refetch). A source may pace the lanes itself instead
(``RecordSource.paces_lanes``: confluent-kafka's, whose one queue hands out a
partition's whole fetch response before the next partition's): its fetch tops
each lane up to its share, and it pauses what it must. A fetch asks
for no more than the lanes have room for under ``3 * max_records``, and nothing
is fetched while they hold that many (N busy lanes never reach it), so at most
three times ``max_records`` wait in them, whatever N is.

A revoked partition's lane is dropped: its waiting records are not started, its
handler in hand may finish (for ``REVOKE_WAIT`` seconds; past that it is
abandoned, and what it settles ignored), and its settled offset is committed
before the partition goes: the partition's next owner reads on from there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Sequence
from typing import Any

from ..core.message import Deliver, Settlement, Settler
from .consume import DEFAULT_MAX_RECORDS, ConsumeLoop, Offsets, Position, RecordSource
from .message import KafkaMessage, batch_message
from .specs import KafkaTopic

#: How long a revocation waits for the revoked partitions' handlers in hand.
REVOKE_WAIT = 10.0
#: While handlers run, how long a fetch waits (ms): a lane running low is refilled soon.
BUSY_FETCH_MS = 20


def lane_room(spec: KafkaTopic) -> int:
    """How many records the lanes of ``spec``'s subscription hold at most: three times
    ``max_records`` (a confluent-kafka source keeps as many again past their caps)."""
    return 3 * (spec.max_records or DEFAULT_MAX_RECORDS)


class Lane(Settler[KafkaMessage]):
    """One partition's records for one assignment of it; the settler of its messages."""

    __slots__ = ("alive", "handling", "held", "offsets", "position", "queue", "rewind", "task")

    def __init__(self, position: Position, offsets: Offsets) -> None:
        self.position = position
        self.offsets = offsets
        #: Records waiting, in offset order (a batch subscriber's: lists of records).
        self.queue: deque[Any] = deque()
        #: How many records wait in ``queue``.
        self.held = 0
        #: After a nack, the offset sought back to: fetched records past it are dropped.
        self.rewind: int | None = None
        self.handling: KafkaMessage | None = None
        #: The task handling the queue, while it holds records.
        self.task: asyncio.Task[None] | None = None
        #: False once the partition was revoked: settlements are then ignored.
        self.alive = True

    def drop(self) -> None:
        self.queue.clear()
        self.held = 0

    def mark(self, first: int, last: int, settlement: Settlement) -> None:
        """Records ``first``..``last`` settled: done, or (nack) sought back to."""
        if not self.alive:
            return
        if settlement == "nack":
            # It and what follows in the partition are fetched again.
            self.drop()
            self.rewind = first
            self.offsets.source.seek(self.position[0], self.position[1], first)
        elif self.offsets.commits:
            self.offsets.mark(self.position, first, last, False)

    def settle_now(self, message: KafkaMessage, settlement: Settlement) -> bool:
        self.mark(message.offset, message.offset, settlement)
        return True

    async def settle(self, message: KafkaMessage, settlement: Settlement) -> None:
        self.settle_now(message, settlement)

    async def ack_first(self, message: KafkaMessage) -> None:
        self.settle_now(message, "ack")
        if self.offsets.commits and self.alive:
            await self.offsets.commit_now()


class _LaneBatch(Settler[KafkaMessage]):
    """Settles a batch of one lane: the span of offsets it holds."""

    __slots__ = ("first", "lane", "last")

    def __init__(self, lane: Lane, first: int, last: int) -> None:
        self.lane = lane
        self.first = first
        self.last = last

    def settle_now(self, message: KafkaMessage, settlement: Settlement) -> bool:
        self.lane.mark(self.first, self.last, settlement)
        return True

    async def settle(self, message: KafkaMessage, settlement: Settlement) -> None:
        self.settle_now(message, settlement)

    async def ack_first(self, message: KafkaMessage) -> None:
        self.settle_now(message, "ack")
        if self.lane.offsets.commits and self.lane.alive:
            await self.lane.offsets.commit_now()


class LaneLoop(ConsumeLoop):
    """Runs one subscription with up to ``spec.max_workers`` handlers at once."""

    def __init__(
        self, source: RecordSource, spec: KafkaTopic, deliver: Deliver, logger: logging.Logger
    ) -> None:
        self.lanes: dict[Position, Lane] = {}
        #: The lanes' tasks, revoked lanes' included until their handler ends.
        self.running: dict[asyncio.Task[None], Lane] = {}
        self.slots = asyncio.Semaphore(spec.max_workers)
        #: Records per fetch (where a fetch is cheap).
        self.chunk = max(1, (spec.max_records or DEFAULT_MAX_RECORDS) // spec.max_workers)
        #: A lane holding its share of the lanes' room (``3 * max_records / max_workers``)
        #: has its partition paused until it holds less than half of that.
        self.high = 3 * self.chunk
        self.low = max(1, self.high // 2)
        self.paused: set[Position] = set()
        #: Partitions being revoked: what a fetch still returns of them is not started.
        self.revoking: set[Position] = set()
        #: Records the lanes may hold, and the event set when a lane takes one off its
        #: queue: the fetch loop may go on.
        self.capacity = lane_room(spec)
        self.room = asyncio.Event()
        #: The commit under way: one at a time, so a later one never lands first.
        self.committing: asyncio.Task[None] | None = None
        super().__init__(source, spec, deliver, logger)
        source.revoke = self.revoke
        #: Records asked for per fetch: a chunk, or more where a fetch is dear.
        share = source.lane_fetch_share
        self.fetch_size = max(self.chunk, self.max_records // share) if share else self.chunk

    def _held(self) -> int:
        return sum(lane.held for lane in self.lanes.values())

    async def _run(self) -> None:
        timeout_ms = self.spec.batch_timeout_ms
        # A batch subscriber's fetch waits for its batch to fill, as at one worker.
        busy_ms = timeout_ms if self.spec.batch else min(timeout_ms, BUSY_FETCH_MS)
        wait = timeout_ms / 1000
        paces = self.source.paces_lanes
        while not self.stopping:
            if self.offsets.done and (self.committing is None or self.committing.done()):
                # Not awaited: a round trip per fetch would hold the lanes' refills back.
                self.committing = asyncio.get_running_loop().create_task(self._commit(False))
            room = self.capacity - self._held()
            if room <= 0:
                self.room.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self.room.wait(), wait)
                continue
            if not paces:
                self._pause_busy()
            size = min(self.fetch_size, room)
            records = await self._fetch(size, busy_ms if self.running else timeout_ms)
            if records and not self.stopping:
                self._dispatch(records)

    async def _read(self, max_records: int, timeout_ms: int) -> Sequence[Any]:
        held = {position: lane.held for position, lane in self.lanes.items() if lane.held}
        return await self.source.fetch_lanes(max_records, timeout_ms, held, self.high)

    def _pause_busy(self) -> None:
        """Pause the partitions whose lane holds its share; resume those below half of it."""
        high, low, paused = self.high, self.low, self.paused
        busy = {
            position
            for position, lane in self.lanes.items()
            if lane.held >= (low if position in paused else high)
        }
        if busy != self.paused:
            self.source.pause(busy - self.paused)
            self.source.resume(self.paused - busy)
            self.paused = busy

    def _dispatch(self, records: Any) -> None:
        where, lanes, revoking = self.source.where, self.lanes, self.revoking
        batch = self.spec.batch
        batches: dict[Lane, list[Any]] = {}
        for record in records:
            topic, partition, offset = where(record)
            position = (topic, partition)
            if revoking and position in revoking:
                continue
            lane = lanes.get(position)
            if lane is None:
                lane = lanes[position] = Lane(position, self.offsets)
            if lane.rewind is not None:
                if offset > lane.rewind:
                    continue  # fetched before the seek back: it comes again
                lane.rewind = None
            if batch:
                batches.setdefault(lane, []).append(record)
            else:
                lane.queue.append(record)
                lane.held += 1
                self._wake(lane)
        for lane, items in batches.items():
            lane.queue.append(items)
            lane.held += len(items)
            self._wake(lane)

    def _wake(self, lane: Lane) -> None:
        if lane.task is None:
            lane.task = asyncio.get_running_loop().create_task(self._drain(lane))
            self.running[lane.task] = lane

    async def _drain(self, lane: Lane) -> None:
        """Handle ``lane``'s records one after another, each in one of the slots."""
        build, deliver, slots, batch = self.source.build, self.deliver, self.slots, self.spec.batch
        try:
            while lane.queue and lane.alive and not self.stopping:
                async with slots:
                    if not lane.queue or not lane.alive or self.stopping:
                        break  # not started, not committed
                    item = lane.queue.popleft()
                    if batch:
                        lane.held -= len(item)
                        items = [build(record, lane) for record in item]
                        msg = batch_message(
                            items, _LaneBatch(lane, items[0].offset, items[-1].offset)
                        )
                    else:
                        lane.held -= 1
                        msg = build(item, lane)
                    self.room.set()
                    lane.handling = msg
                    await deliver(msg)
                    lane.handling = None
        except Exception:
            # The pipeline settles handler errors itself: this is a bug. As with one
            # worker, the consumer stops (and ``alive`` says so); nothing is committed past.
            self.logger.exception("%s: consumer stopped on error", self.spec.name)
            lane.alive = False
            self.task.cancel()
        finally:
            if lane.task is not None:
                del self.running[lane.task]
                lane.task = None

    async def revoke(self, positions: list[Position]) -> dict[Position, int]:
        """The group takes these partitions away: their waiting records are dropped,
        their handlers in hand get ``REVOKE_WAIT`` seconds to finish, and the offsets
        settled are returned, to commit before the partitions go. A handler still
        running past the wait is abandoned: what it settles is ignored."""
        lanes = [lane for p in positions if (lane := self.lanes.pop(p, None)) is not None]
        await self._committed()
        for lane in lanes:
            lane.drop()
        self.paused.difference_update(positions)
        running = [lane.task for lane in lanes if lane.task is not None]
        if running:
            self.revoking.update(positions)
            try:
                await asyncio.wait(running, timeout=REVOKE_WAIT)
            finally:
                self.revoking.difference_update(positions)
        for lane in lanes:
            lane.alive = False
        done = self.offsets.done
        return {p: done.pop(p) for p in positions if p in done}

    def cancel(self) -> int:
        """Cancel the handlers in hand: their records stay unsettled, so uncommitted."""
        cancelled = 0
        for task, lane in list(self.running.items()):
            if lane.handling is not None and not task.done():
                task.cancel()
                cancelled += 1
        return cancelled

    async def _committed(self) -> None:
        """Until the commit under way is done: the next one carries later offsets."""
        if self.committing is not None and not self.committing.done():
            await asyncio.wait({self.committing}, timeout=REVOKE_WAIT)

    async def _wind_down(self) -> None:
        self.room.set()
        await super()._wind_down()
        # The handlers in hand finish; no lane starts another record.
        while self.running:
            await asyncio.wait(set(self.running))

    async def _close(self) -> None:
        for task in list(self.running):
            task.cancel()
        await self._committed()
        await super()._close()


def consume_loop(
    source: RecordSource, spec: KafkaTopic, deliver: Deliver, logger: logging.Logger
) -> ConsumeLoop:
    """The loop for ``spec``: one record at a time, or lanes for ``max_workers`` > 1."""
    if spec.max_workers > 1:
        return LaneLoop(source, spec, deliver, logger)
    return ConsumeLoop(source, spec, deliver, logger)

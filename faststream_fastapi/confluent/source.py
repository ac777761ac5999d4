"""A confluent-kafka consumer as the shared consume loop reads it (``RecordSource``).

librdkafka calls for one consumer never run concurrently: each runs in the
consumer's own worker thread, which fetches whole batches at a time. The event
loop makes none itself: confluent-kafka serializes a consumer's calls, so one made
there while the thread waits in a poll (with ``max_workers``, all the time) would
hold the loop, every handler with it, until the poll returns. Pauses, resumes,
seeks and the commits between fetches are queued instead and made in the thread
before its next fetch.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from confluent_kafka import TIMESTAMP_NOT_AVAILABLE, Consumer, KafkaError, KafkaException
from confluent_kafka import TopicPartition as TP

from .._kafka.consume import Position, RecordSource
from .._kafka.lanes import REVOKE_WAIT
from .._kafka.message import KafkaMessage
from ..core.message import Settler

client_log = logging.getLogger("faststream_fastapi.confluent")

#: Records taken per ``consume`` call while lanes cap each partition: a partition
#: passes its cap by less than this before it is paused.
CAPPED_STEP = 16


class ConfluentSource(RecordSource):
    #: A fetch is a round trip to the consumer's thread, which waits for the GIL
    #: while the event loop runs handlers: with lanes, a quarter of ``max_records``
    #: per fetch, not ``max_records / max_workers`` (7 at 64 workers).
    lane_fetch_share = 4

    def __init__(self, consumer: Consumer, loop: asyncio.AbstractEventLoop, batch: bool) -> None:
        super().__init__()
        self.consumer = consumer
        self.batch = batch
        self.loop = loop
        # One thread per consumer: librdkafka calls for it never run concurrently.
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="kafka-consumer")
        #: Calls asked for on the event loop, made in that thread by the next fetch:
        #: pauses, resumes and seeks (``(call, argument)``), and commits (``(None,
        #: offsets)``). A deque: appended on the loop and taken in the thread, safely.
        self.pending: deque[tuple[Callable[[Any], Any] | None, Any]] = deque()
        #: The partitions paused (known to that thread only).
        self.stopped: set[Position] = set()

    def on_assign(self, consumer: Consumer, partitions: list[TP]) -> None:
        if partitions:
            self.loop.call_soon_threadsafe(self.assigned.set)
        self.loop.call_soon_threadsafe(self.joined.set)

    def on_revoke(self, consumer: Consumer, partitions: list[TP]) -> None:
        """In the consumer's thread: let the partitions' lanes wind down on the event
        loop, then commit what they settled."""
        if self.revoke is None or not partitions:
            return
        positions = [(tp.topic, tp.partition) for tp in partitions]
        try:
            winding = asyncio.run_coroutine_threadsafe(self.revoke(positions), self.loop)
            done = winding.result(REVOKE_WAIT + 1)
            # The commits still queued go with it: none lands after, with older offsets.
            self._apply_pending(done, final=True)
        except Exception as exc:
            client_log.warning("offset commit of revoked partitions failed: %s", exc)
        # librdkafka keeps a partition paused across a rebalance: none stays paused.
        self._flow(consumer.resume, partitions)
        self.stopped.difference_update(positions)

    async def run(self, func: Any, *args: Any) -> Any:
        return await self.loop.run_in_executor(self.executor, func, *args)

    def _apply_pending(
        self, offsets: dict[Position, int] | None = None, final: bool = False
    ) -> None:
        """In the consumer's thread: make the calls queued, in order, and commit the
        offsets queued with ``offsets`` (later ones win), synchronously if ``final``."""
        pending, commits = self.pending, {}
        while pending:
            call, arg = pending.popleft()
            if call is None:
                commits.update(arg)
            else:
                self._flow(call, arg)
        if offsets:
            commits.update(offsets)
        if not commits:
            return
        tps = [TP(t, p, o) for (t, p), o in commits.items()]
        if final:
            self.consumer.commit(offsets=tps, asynchronous=False)
            return
        try:
            self.consumer.commit(offsets=tps, asynchronous=True)
        except KafkaException as exc:
            # E.g. the partitions moved to another member: it re-reads from the last commit.
            client_log.warning("offset commit failed: %s", exc)

    def _fetch(self, max_records: int, timeout: float) -> list[Any]:
        consumer = self.consumer
        if self.pending:
            self._apply_pending()
        raw: list[Any]
        if self.batch:
            raw = consumer.consume(max_records, timeout)
        else:
            # Wait for the first record only, then take what is already buffered.
            first = consumer.poll(timeout)
            if first is None:
                raw = []
            elif max_records > 1:
                raw = [first, *consumer.consume(max_records - 1, 0)]
            else:
                raw = [first]
        out = []
        for m in raw:
            err = m.error()
            if err is None:
                out.append(m)
            elif err.code() != KafkaError._PARTITION_EOF:
                client_log.warning("consumer error: %s", err)
        return out

    def _fetch_capped(
        self, max_records: int, timeout: float, held: dict[Position, int], cap: int
    ) -> tuple[list[Any], list[Position]]:
        """``_fetch`` for lanes: a partition is paused here as soon as its lane would
        hold ``cap`` records, which drops the rest librdkafka queued of it, so the
        records of the next partitions come forward in this same fetch instead of the
        whole of one partition's fetch response filling the lanes' room."""
        consumer = self.consumer
        if self.pending:
            self._apply_pending()
        first = consumer.poll(timeout)
        out: list[Any] = []
        paused: list[Position] = []
        if first is None:
            return out, paused
        counts, full, batch = dict(held), set(), [first]
        where = self.where
        while True:
            reached: list[Position] = []
            for m in batch:
                err = m.error()
                if err is not None:
                    if err.code() != KafkaError._PARTITION_EOF:
                        client_log.warning("consumer error: %s", err)
                    continue
                out.append(m)
                topic, partition, _ = where(m)
                position = (topic, partition)
                counts[position] = n = counts.get(position, 0) + 1
                if n >= cap and position not in full:
                    full.add(position)
                    reached.append(position)
            if reached:
                self._pause([TP(t, p) for t, p in reached])
                paused.extend(reached)
            left = max_records - len(out)
            if left <= 0:
                break
            batch = consumer.consume(min(CAPPED_STEP, left), 0)
            if not batch:
                break
        return out, paused

    async def fetch_lanes(
        self, max_records: int, timeout_ms: int, held: dict[Position, int], cap: int
    ) -> tuple[list[Any], list[Position]]:
        if self.batch:  # a batch waits to fill, as at one worker
            return await self.fetch(max_records, timeout_ms), []
        result: tuple[list[Any], list[Position]] = await self.run(
            self._fetch_capped, max_records, timeout_ms / 1000, held, cap
        )
        return result

    async def fetch(self, max_records: int, timeout_ms: int) -> list[Any]:
        result: list[Any] = await self.run(self._fetch, max_records, timeout_ms / 1000)
        return result

    def where(self, record: Any) -> tuple[str, int, int]:
        return record.topic(), record.partition(), record.offset()

    def pause(self, positions: Iterable[Position]) -> None:
        self.pending.append((self._pause, [TP(t, p) for t, p in positions]))

    def resume(self, positions: Iterable[Position]) -> None:
        self.pending.append((self._resume, [TP(t, p) for t, p in positions]))

    def _pause(self, tps: list[TP]) -> None:
        self._flow(self.consumer.pause, tps)
        self.stopped.update((tp.topic, tp.partition) for tp in tps)

    def _resume(self, tps: list[TP]) -> None:
        """Resume, in the consumer's thread. With every partition paused, no fetch is
        in flight, and librdkafka's broker thread looks at a resumed partition only on
        its next round, up to a second later (850 ms measured): a request to the
        partition's leader (its watermarks) makes that round now, a round trip."""
        consumer, stopped = self.consumer, self.stopped
        idle = bool(stopped) and all(
            (tp.topic, tp.partition) in stopped for tp in consumer.assignment()
        )
        self._flow(consumer.resume, tps)
        stopped.difference_update((tp.topic, tp.partition) for tp in tps)
        if idle and tps:
            try:
                consumer.get_watermark_offsets(tps[0], timeout=1.0, cached=False)
            except KafkaException as exc:
                client_log.debug("watermarks: %s", exc)

    @staticmethod
    def _flow(call: Callable[[Any], Any], arg: Any) -> None:
        if arg:
            try:
                call(arg)
            except KafkaException as exc:  # e.g. a partition no longer assigned
                client_log.debug("%s: %s", getattr(call, "__name__", call), exc)

    def build(self, record: Any, offsets: Settler[KafkaMessage]) -> KafkaMessage:
        return _message(record, offsets)

    def seek(self, topic: str, partition: int, offset: int) -> None:
        # Made before the next fetch, as the records fetched past it are dropped anyway.
        self.pending.append((self.consumer.seek, TP(topic, partition, offset)))

    async def commit(self, offsets: dict[Position, int], final: bool) -> None:
        if final:
            await self.run(self._apply_pending, dict(offsets), True)
        else:
            self.pending.append((None, dict(offsets)))

    def _close(self) -> None:
        """The commits still queued are made before the consumer closes."""
        try:
            self._apply_pending(final=True)
        except Exception as exc:
            client_log.warning("offset commit failed: %s", exc)
        finally:
            self.consumer.close()

    async def close(self) -> None:
        try:
            await self.run(self._close)
        finally:
            self.executor.shutdown(wait=False)


class _Record(KafkaMessage):
    """A record of confluent-kafka: ``key`` and ``timestamp`` read when asked."""

    __slots__ = ()

    @property
    def key(self) -> bytes | None:
        key: bytes | None = self.raw.key()
        return key

    @property
    def timestamp(self) -> int | None:
        kind, ms = self.raw.timestamp()
        return None if kind == TIMESTAMP_NOT_AVAILABLE else int(ms)


_record = _Record.from_record  # bound once, not per record


def _message(m: Any, offsets: Settler[KafkaMessage]) -> KafkaMessage:
    return _record(m.value(), m.headers(), m.topic(), m.partition(), m.offset(), m, offsets)

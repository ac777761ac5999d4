"""A confluent-kafka consumer as the shared consume loop reads it (``RecordSource``).

librdkafka calls for one consumer never run concurrently: each runs in the
consumer's own worker thread, which fetches whole batches at a time. The event
loop makes none itself: confluent-kafka serializes a consumer's calls, so one made
there while the thread waits in a poll (with ``max_workers``, all the time) would
hold the loop, every handler with it, until the poll returns. Pauses, resumes,
seeks and the commits between fetches are queued instead and made in the thread
before its next fetch.

With lanes (``max_workers`` above 1) the source paces them itself
(``RecordSource.paces_lanes``). librdkafka's one queue hands out a partition's
whole fetch response before the next partition's, and pausing a partition drops
what it queued of it, to be fetched again on resume (tens of milliseconds).
So a fetch gives a lane no more than its cap, and the records past the cap are
*kept* here, in order, not dropped: the fetch reads on to the next partitions'
records, and the kept ones go to their lane as it runs low. A partition is paused
only once its kept records reach the cap too, and resumed when they are down to
half of it; no more than ``3 * max_records`` are kept in all (past that, the
records stay in librdkafka's queue).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from confluent_kafka import TIMESTAMP_NOT_AVAILABLE, Consumer, KafkaError, KafkaException
from confluent_kafka import TopicPartition as TP

from .._kafka.consume import Position, RecordSource
from .._kafka.lanes import REVOKE_WAIT
from .._kafka.message import KafkaMessage
from ..core.message import Settler
from .kept import Kept

client_log = logging.getLogger("faststream_fastapi.confluent")

#: Records taken per ``consume`` call while lanes cap each partition: the kept
#: records pass their bound by less than this.
CAPPED_STEP = 16


class ConfluentSource(RecordSource):
    #: A fetch is a round trip to the consumer's thread, which waits for the GIL
    #: while the event loop runs handlers: with lanes, a quarter of ``max_records``
    #: per fetch, not ``max_records / max_workers`` (7 at 64 workers).
    lane_fetch_share = 4
    paces_lanes = True

    def __init__(
        self, consumer: Consumer, loop: asyncio.AbstractEventLoop, batch: bool, keep: int
    ) -> None:
        super().__init__()
        self.consumer = consumer
        self.batch = batch
        self.loop = loop
        #: With lanes: the records read past their lane's cap (``keep`` in all).
        self.kept = Kept(keep)
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
        for position in positions:
            self.kept.forget(position)

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
    ) -> list[Any]:
        """``_fetch`` for lanes holding ``held`` records per partition: none is given
        more than ``cap``, the records past it are kept for later (see the module)."""
        consumer = self.consumer
        if self.pending:
            self._apply_pending()
        out: list[Any] = []
        counts = dict(held)
        kept = self.kept
        if kept:
            low = kept.take(out, counts, cap, max_records)
            stopped = [TP(*p) for p in low if p in self.stopped]
            if stopped:  # half its kept records gone: fetched again meanwhile
                self._resume(stopped)
            if out:
                timeout = 0  # what was kept goes now, with what librdkafka has ready
        if len(out) >= max_records or kept.full:
            return out
        first = consumer.poll(timeout)
        if first is None:
            return out
        where, batch = self.where, [first]
        while True:
            for m in batch:
                err = m.error()
                if err is not None:
                    if err.code() != KafkaError._PARTITION_EOF:
                        client_log.warning("consumer error: %s", err)
                    continue
                topic, partition, _ = where(m)
                position = (topic, partition)
                n = counts.get(position, 0)
                if n < cap and position not in kept:
                    out.append(m)
                    counts[position] = n + 1
                elif kept.add(position, m, cap) and position not in self.stopped:
                    # librdkafka fetches no more of it (and drops what it queued past here).
                    self._pause([TP(*position)])
            left = max_records - len(out)
            if left <= 0 or kept.full:
                break
            batch = consumer.consume(min(CAPPED_STEP, left), 0)
            if not batch:
                break
        return out

    async def fetch_lanes(
        self, max_records: int, timeout_ms: int, held: dict[Position, int], cap: int
    ) -> Sequence[Any]:
        if self.batch:  # a batch waits to fill, as at one worker
            return await self.fetch(max_records, timeout_ms)
        result: list[Any] = await self.run(
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
        self.pending.append((self._seek, TP(topic, partition, offset)))

    def _seek(self, tp: TP) -> None:
        """In the consumer's thread: the records kept past ``tp`` come again."""
        position = (tp.topic, tp.partition)
        self.kept.forget(position)
        if position in self.stopped:
            self._resume([TP(tp.topic, tp.partition)])
        self.consumer.seek(tp)

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

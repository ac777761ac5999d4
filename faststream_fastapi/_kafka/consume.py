"""The consume loop both Kafka transports share: fetch, dispatch, settle, commit.

A client library supplies a ``RecordSource`` (fetch a batch, seek, commit).
Settlement is offset bookkeeping: ``ack`` and ``reject`` mark a record done,
and done offsets are committed after each fetched batch (only in a consumer
group, and only without auto-commit); ``nack`` seeks the partition back to
the record, so it and everything after it in that partition is fetched again.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any

from ..core.message import Deliver, Settlement, Settler
from ..core.transport import Consumption
from .message import KafkaMessage, batch_message
from .specs import KafkaTopic

Position = tuple[str, int]
#: Winds down revoked partitions; returns their settled offsets, to commit.
Revoke = Callable[[list[Position]], Coroutine[Any, Any, dict[Position, int]]]

DEFAULT_MAX_RECORDS = 500
logger = logging.getLogger("faststream_fastapi")
RETRY_DELAY = 1.0


class Offsets(Settler[KafkaMessage]):
    """Per-partition settlement state of one consumer: the settler of its records.

    Settling a record is bookkeeping only (``settle_now``); the done offsets are
    committed by the loop after each fetched batch."""

    __slots__ = ("commits", "done", "rewound", "source")

    def __init__(self, source: RecordSource, commits: bool) -> None:
        self.source = source
        self.commits = commits
        self.done: dict[Position, int] = {}
        self.rewound: dict[Position, int] = {}

    def settle_now(self, message: KafkaMessage, settlement: Settlement) -> bool:
        # Without commits (no group, or auto-commit) only a nack (a seek back) matters.
        if settlement == "nack":
            offset = message.offset
            self.mark((message.topic, message.partition), offset, offset, True)
        elif self.commits:  # ``mark``'s done offset, inlined: one call less per record
            position, following = (message.topic, message.partition), message.offset + 1
            if following > self.done.get(position, -1):
                self.done[position] = following
        return True

    async def settle(self, message: KafkaMessage, settlement: Settlement) -> None:
        self.settle_now(message, settlement)

    async def ack_first(self, message: KafkaMessage) -> None:
        """In a group, the offset is committed now, not with the fetched batch."""
        self.settle_now(message, "ack")
        if self.commits:
            await self.commit_now()

    def mark(self, position: Position, first: int, last: int, requeue: bool) -> None:
        """Records ``first``..``last`` of a partition settled: done, or sought back to."""
        if requeue:
            if first < self.rewound.get(position, first + 1):
                self.rewound[position] = first
                self.source.seek(position[0], position[1], first)
        elif self.commits and last + 1 > self.done.get(position, -1):
            self.done[position] = last + 1

    async def commit_now(self) -> None:
        """Commit what is settled at once (``ACK_FIRST``: before the handler runs).

        A failure is logged, not raised: the record is then committed with its
        batch, as any other."""
        if not self.done:
            return
        done, self.done = self.done, {}
        try:
            await self.source.commit(done, True)
        except Exception as exc:
            for position, offset in done.items():
                if offset > self.done.get(position, -1):
                    self.done[position] = offset
            logger.warning("offset commit before the handler failed: %s", exc)


class _BatchSettler(Settler[KafkaMessage]):
    """Settles a batch message: each partition's span of records, in the offset book."""

    __slots__ = ("_offsets", "_spans")

    def __init__(self, offsets: Offsets, items: Sequence[KafkaMessage]) -> None:
        self._offsets = offsets
        spans: dict[Position, tuple[int, int]] = {}
        for m in items:
            key = (m.topic, m.partition)
            first, last = spans.get(key, (m.offset, m.offset))
            spans[key] = (min(first, m.offset), max(last, m.offset))
        self._spans = spans

    def settle_now(self, message: KafkaMessage, settlement: Settlement) -> bool:
        for position, (first, last) in self._spans.items():
            self._offsets.mark(position, first, last, settlement == "nack")
        return True

    async def settle(self, message: KafkaMessage, settlement: Settlement) -> None:
        self.settle_now(message, settlement)

    async def ack_first(self, message: KafkaMessage) -> None:
        self.settle_now(message, "ack")
        if self._offsets.commits:
            await self._offsets.commit_now()


#: How long a group subscriber's ``ready`` waits for its first assignment (seconds).
GROUP_JOIN_WAIT = 30.0


class RecordSource(abc.ABC):
    """One consumer of a client library, as the loop needs it."""

    #: Whether ``ConsumeLoop.ready`` waits for the group's first assignment. Not for
    #: confluent-kafka: librdkafka assigns nothing for a topic that does not exist
    #: yet (its consumers do not create topics), which would hold ``start``.
    joins_at_start = False

    #: With lanes, a fetch asks for a chunk (``max_records / max_workers``) or, if
    #: set and more, ``max_records`` divided by this: where a fetch is dear (a
    #: thread round trip), fewer and larger ones keep the lanes fed.
    lane_fetch_share: int | None = None

    #: Whether ``fetch_lanes`` caps each lane and pauses partitions on its own
    #: (confluent-kafka's), so that the loop pauses and resumes none.
    paces_lanes = False

    def __init__(self) -> None:
        #: Set once the consumer has partitions and knows where to read them.
        self.assigned = asyncio.Event()
        #: Set once its group gave it an assignment, partitions or none (a group of
        #: more members than partitions leaves some without).
        self.joined = asyncio.Event()
        #: Called (on the event loop) when the group takes partitions away; returns
        #: the settled offsets to commit before they go. Set by a loop with lanes.
        self.revoke: Revoke | None = None

    @abc.abstractmethod
    async def fetch(self, max_records: int, timeout_ms: int) -> Sequence[Any]:
        """Up to ``max_records`` records of the client library (errors filtered out)."""

    async def fetch_lanes(
        self, max_records: int, timeout_ms: int, held: dict[Position, int], cap: int
    ) -> Sequence[Any]:
        """A fetch for lanes holding ``held`` records per partition. A source that
        ``paces_lanes`` gives no lane more than ``cap``; by default a plain ``fetch``."""
        return await self.fetch(max_records, timeout_ms)

    @abc.abstractmethod
    def where(self, record: Any) -> tuple[str, int, int]:
        """The record's topic, partition and offset."""

    @abc.abstractmethod
    def pause(self, positions: Iterable[Position]) -> None:
        """Fetch no more of these partitions (those no longer assigned are skipped)."""

    @abc.abstractmethod
    def resume(self, positions: Iterable[Position]) -> None:
        """Fetch these partitions again."""

    @abc.abstractmethod
    def build(self, record: Any, offsets: Settler[KafkaMessage]) -> KafkaMessage:
        """The message for one record (``KafkaMessage.from_record(..., offsets)``).

        Called just before the record is delivered, not for the whole batch at
        once: messages then die young, instead of hundreds surviving into the
        collector's old generation and making full collections frequent.
        """

    async def fix_positions(self) -> None:
        """Resolve where each assigned partition is read from now (committed offset,
        or ``auto_offset_reset``), not at the first fetch; by default nothing."""
        return None

    @abc.abstractmethod
    def seek(self, topic: str, partition: int, offset: int) -> None: ...

    @abc.abstractmethod
    async def commit(self, offsets: dict[Position, int], final: bool) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...


class ConsumeLoop(Consumption):
    """Runs one subscription; ``stop`` lets the record in hand finish, starts no
    other, and commits what was settled."""

    def __init__(
        self, source: RecordSource, spec: KafkaTopic, deliver: Deliver, logger: logging.Logger
    ) -> None:
        self.source = source
        self.spec = spec
        self.deliver = deliver
        self.logger = logger
        self.offsets = Offsets(source, spec.group_id is not None and not spec.client_auto_commit)
        self.max_records = spec.max_records or DEFAULT_MAX_RECORDS
        self.stopping = False
        #: The message a handler has in hand: what ``cancel`` interrupts.
        self.handling: KafkaMessage | None = None
        self.task = asyncio.get_running_loop().create_task(self._run())

    @property
    def alive(self) -> bool:
        return not self.task.done()

    async def ready(self) -> None:
        """A group subscriber: wait (up to ``GROUP_JOIN_WAIT``) until it joined its group
        and knows where it reads, as aiokafka's ``start`` (and so FastStream 0.5) does, so
        a record published next is read whatever ``auto_offset_reset`` says. A group that
        takes longer goes on assigning in the background."""
        spec = self.spec
        if spec.group_id is None or spec.partitions or spec.pattern is not None:
            return  # a pattern's topics may not exist yet: an early join would miss them
        if not self.source.joins_at_start:
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._joined(), GROUP_JOIN_WAIT)

    async def _joined(self) -> None:
        await self.source.joined.wait()
        await self.source.fix_positions()

    async def wait_assigned(self, timeout: float) -> None:
        """Wait until the consumer owns partitions (a group join takes a while)."""
        await asyncio.wait_for(self.source.assigned.wait(), timeout)

    async def _read(self, max_records: int, timeout_ms: int) -> Sequence[Any]:
        return await self.source.fetch(max_records, timeout_ms)

    async def _fetch(self, max_records: int, timeout_ms: int) -> Sequence[Any]:
        """The next records; none after a failure, logged, and a pause before retrying."""
        try:
            return await self._read(max_records, timeout_ms)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.logger.warning("%s: fetch failed: %s", self.spec.name, exc)
            await asyncio.sleep(RETRY_DELAY)
            return ()

    async def _run(self) -> None:
        spec, offsets = self.spec, self.offsets
        while not self.stopping:
            records = await self._fetch(self.max_records, spec.batch_timeout_ms)
            if records and not self.stopping:
                build, deliver = self.source.build, self.deliver
                if spec.batch:
                    messages = [build(record, offsets) for record in records]
                    self.handling = batch_message(messages, _BatchSettler(offsets, messages))
                    await deliver(self.handling)
                else:
                    rewound = offsets.rewound
                    for record in records:
                        if self.stopping:
                            break  # not started, not committed: the group's next member reads it
                        msg = build(record, offsets)
                        # After a nack the partition was sought back: the rest comes again.
                        if rewound and (msg.topic, msg.partition) in rewound:
                            continue
                        self.handling = msg
                        await deliver(msg)
                self.handling = None
                offsets.rewound.clear()
            if offsets.done:
                await self._commit(final=False)

    async def _commit(self, final: bool) -> None:
        done, self.offsets.done = self.offsets.done, {}
        try:
            await self.source.commit(done, final)
        except Exception as exc:
            # E.g. the partitions moved to another member: it re-reads from the last commit.
            self.logger.warning("%s: offset commit failed: %s", self.spec.name, exc)

    def cancel(self) -> int:
        """Cancel the handler in hand, with the loop it runs in: its record stays
        unsettled, so uncommitted, and the group's next member reads it again."""
        if self.handling is None or self.task.done():
            return 0
        self.task.cancel()
        return 1

    async def stop(self) -> None:
        self.stopping = True
        try:
            await self._wind_down()
        finally:
            await self._close()

    async def _wind_down(self) -> None:
        # The loop checks ``stopping`` between batches; a fetch returns within its timeout.
        await asyncio.wait({self.task})

    async def _close(self) -> None:
        """Commit what was settled and close the consumer (also when ``stop`` was cancelled)."""
        if not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        elif not self.task.cancelled() and self.task.exception() is not None:
            self.logger.error(
                "%s: consumer stopped on error", self.spec.name, exc_info=self.task.exception()
            )
        if self.offsets.done:
            await self._commit(final=True)
        await self.source.close()

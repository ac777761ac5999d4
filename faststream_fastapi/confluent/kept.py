"""The records a confluent-kafka fetch for lanes read past a lane's cap, kept in order.

librdkafka's ``pause`` drops what it queued of a partition, to be fetched again on
resume; keeping the records read past a lane's cap lets a fetch read on to the
next partitions' records without that. Known to the consumer's thread only.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from .._kafka.consume import Position


class Kept:
    """Records per partition, in offset order, ``limit`` in all before a fetch stops."""

    __slots__ = ("count", "limit", "queues")

    def __init__(self, limit: int) -> None:
        self.queues: dict[Position, deque[Any]] = {}
        self.count = 0
        self.limit = limit

    def __bool__(self) -> bool:
        return bool(self.queues)

    def __contains__(self, position: Position) -> bool:
        return position in self.queues

    @property
    def full(self) -> bool:
        return self.count >= self.limit

    def add(self, position: Position, record: Any, cap: int) -> bool:
        """Keep ``record``; True when its partition's kept records reach ``cap``
        (librdkafka should fetch no more of it)."""
        queue = self.queues.get(position)
        if queue is None:
            queue = self.queues[position] = deque()
        queue.append(record)
        self.count += 1
        return len(queue) >= cap

    def take(
        self, out: list[Any], counts: dict[Position, int], cap: int, max_records: int
    ) -> list[Position]:
        """Move kept records to ``out`` while their lanes (``counts``) are under
        ``cap``; returns the partitions down to half of ``cap`` (to resume)."""
        low = []
        for position, queue in list(self.queues.items()):
            n = counts.get(position, 0)
            take = min(len(queue), cap - n, max_records - len(out))
            if take > 0:
                out.extend(queue.popleft() for _ in range(take))
                counts[position] = n + take
                self.count -= take
            if len(queue) <= cap // 2:
                low.append(position)
            if not queue:
                del self.queues[position]
        return low

    def forget(self, position: Position) -> None:
        """Drop what is kept of a partition (revoked, or sought back)."""
        queue = self.queues.pop(position, None)
        if queue:
            self.count -= len(queue)

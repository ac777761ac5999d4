"""The deliveries a consumption has in hand: waited for on stop, cancelled past the timeout.

A subscriber being stopped first lets its handlers finish; past the broker's
``graceful_timeout`` it cancels them. A cancelled handler's message is handed
back (``nack``: NATS ``nak``, RabbitMQ requeue; a Kafka offset stays
uncommitted, a Redis stream entry stays pending) so the next consumer gets it.

With ``max_workers`` above 1 (``limit``) a consumption delivers through
``submit``: it waits for a free slot before it takes the next message, then
starts the delivery in a task of its own, so never more than ``limit`` are in
hand. At 1 a consume loop awaits ``deliver`` itself, as it always did: no
task, no slot, nothing more per message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from .message import Deliver, StreamMessage

logger = logging.getLogger("faststream_fastapi")


class InFlight:
    """Runs deliveries, tracking each by the task it runs in."""

    __slots__ = ("_cancelled", "_free", "_idle", "_running", "limit")

    def __init__(self, limit: int = 1) -> None:
        #: How many deliveries ``slot`` and ``submit`` let be in hand at once.
        self.limit = limit
        self._running: dict[asyncio.Task[Any], StreamMessage] = {}
        self._cancelled: set[asyncio.Task[Any]] = set()
        # Created only while ``wait`` waits: no event to set and clear per message.
        self._idle: asyncio.Future[None] | None = None
        # Likewise, only while ``slot`` waits (its waiters share it).
        self._free: asyncio.Future[None] | None = None

    def __len__(self) -> int:
        return len(self._running)

    async def deliver(
        self, deliver: Deliver, message: StreamMessage, task: asyncio.Task[Any] | None = None
    ) -> None:
        """``deliver(message)`` in ``task`` (the current one, found when not given:
        a consume loop passes its own, which is cheaper); returns normally when
        ``cancel`` ended it, so the consumption's own loop goes on to wind down."""
        if task is None:
            task = asyncio.current_task()
            assert task is not None
        running = self._running
        running[task] = message
        try:
            try:
                await deliver(message)
            except asyncio.CancelledError:
                if task not in self._cancelled:
                    raise
            if self._cancelled and task in self._cancelled:
                # Before going idle: ``stop`` then closes the channel or connection.
                await self._hand_back(task, message)
        finally:
            del running[task]
            if self._cancelled:  # e.g. a handler that turned our cancellation into an error
                self._cancelled.discard(task)
            idle = self._idle
            if idle is not None and not running and not idle.done():
                idle.set_result(None)

    async def _hand_back(self, task: asyncio.Task[Any], message: StreamMessage) -> None:
        self._cancelled.discard(task)
        uncancel = getattr(task, "uncancel", None)  # Python 3.11+
        if uncancel is not None:
            uncancel()
        with contextlib.suppress(Exception):
            await message.nack()  # no-op when the handler had settled it already

    async def slot(self) -> None:
        """Until fewer than ``limit`` deliveries are in hand. Starting one right
        after, with no await in between (``spawn``, or ``deliver``, which counts
        its message before its first await), keeps the count within ``limit``;
        ``deliver`` then needs ``freed`` after it (``spawn`` sees to it)."""
        running = self._running
        while len(running) >= self.limit:
            free = self._free
            if free is None or free.done():
                free = self._free = asyncio.get_running_loop().create_future()
            await free

    def freed(self) -> None:
        """A delivery started after ``slot`` ended: wake the callers of ``slot``."""
        free = self._free
        if free is not None and not free.done():
            free.set_result(None)

    def spawn(self, deliver: Deliver, message: StreamMessage) -> asyncio.Task[None]:
        """``deliver(message)`` in a task of its own, counted at once."""
        task = asyncio.get_running_loop().create_task(self.deliver(deliver, message))
        self._running[task] = message
        task.add_done_callback(self._spawned_done)
        return task

    async def submit(self, deliver: Deliver, message: StreamMessage) -> None:
        """``slot``, then ``spawn``: returns once the delivery has started."""
        await self.slot()
        self.spawn(deliver, message)

    def _spawned_done(self, task: asyncio.Task[None]) -> None:
        running = self._running
        if running.pop(task, None) is not None:  # cancelled before it started
            self._cancelled.discard(task)
            idle = self._idle
            if idle is not None and not running and not idle.done():
                idle.set_result(None)
        self.freed()
        if not task.cancelled() and task.exception() is not None:
            # A consume loop's ``deliver`` reports its own failures; this is a bug.
            logger.error("delivery failed", exc_info=task.exception())

    async def wait(self) -> None:
        """Until no delivery is in hand."""
        if self._running:
            if self._idle is None or self._idle.done():
                self._idle = asyncio.get_running_loop().create_future()
            await self._idle

    def cancel(self) -> int:
        """Cancel every delivery in hand; returns how many."""
        for task in self._running:
            self._cancelled.add(task)
            task.cancel()
        return len(self._running)

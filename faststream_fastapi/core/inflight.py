"""The deliveries a consumption has in hand: waited for on stop, cancelled past the timeout.

A subscriber being stopped first lets its handlers finish; past the broker's
``graceful_timeout`` it cancels them. A cancelled handler's message is handed
back (``nack``: NATS ``nak``, RabbitMQ requeue; a Kafka offset stays
uncommitted, a Redis stream entry stays pending) so the next consumer gets it.

With ``max_workers`` above 1 (``limit``) a consume loop delivers through
``offer``: up to ``limit`` worker tasks each run one delivery after another.
A loop's message waits (offered) until a worker is free; the worker ending a
delivery takes it in the same step, so no slot stays empty while the loop
wakes up, and no task is created per message. Never more than ``limit`` are
in hand, and an offered message is not started: ``close`` (at stop) hands it
back to its loop. At 1 a consume loop awaits ``deliver`` itself, as it always
did: no task, no slot, nothing more per message. A consumer called once per
message by its client, each call in a task of its own (aiormq), takes a slot
(``slot``, ``freed``) instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

from .message import Deliver, StreamMessage

logger = logging.getLogger("faststream_fastapi")


class InFlight:
    """Runs deliveries, tracking each by the task it runs in."""

    __slots__ = (
        "_cancelled",
        "_closed",
        "_free",
        "_idle",
        "_offers",
        "_parked",
        "_running",
        "_workers",
        "limit",
    )

    def __init__(self, limit: int = 1) -> None:
        #: How many deliveries ``slot`` and ``submit`` let be in hand at once.
        self.limit = limit
        self._running: dict[asyncio.Task[Any], StreamMessage] = {}
        self._cancelled: set[asyncio.Task[Any]] = set()
        # Created only while ``wait`` waits: no event to set and clear per message.
        self._idle: asyncio.Future[None] | None = None
        # Likewise, only while ``slot`` waits (its waiters share it).
        self._free: asyncio.Future[None] | None = None
        # ``offer``: the messages waiting for a worker, and how many workers run.
        self._offers: deque[tuple[Deliver, StreamMessage, _Offered]] = deque()
        self._workers = 0
        # The workers with nothing to deliver, each waiting for ``offer``.
        self._parked: list[tuple[asyncio.Task[Any], asyncio.Future[Any]]] = []
        self._closed = False

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
        self._running[task] = message
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
            self._ended(task)

    async def deliver_each(
        self,
        deliver: Deliver,
        messages: Iterable[StreamMessage],
        task: asyncio.Task[Any],
        loop: Any,
    ) -> int:
        """``deliver`` each of ``messages`` in ``task`` until ``loop.stopping``: how many
        were. One coroutine for them all, not one each; per message as ``deliver``."""
        running, count = self._running, 0
        for message in messages:
            if loop.stopping:
                break
            running[task] = message
            try:
                try:
                    await deliver(message)
                except asyncio.CancelledError:
                    if task not in self._cancelled:
                        raise
                if self._cancelled and task in self._cancelled:
                    await self._hand_back(task, message)
            finally:
                self._ended(task)
            count += 1
        return count

    def _ended(self, task: asyncio.Task[Any]) -> None:
        """``task``'s delivery is over: it is no longer in hand, and ``wait`` wakes
        when nothing is. A plain call: no coroutine frame per message."""
        running = self._running
        del running[task]
        if self._cancelled:  # e.g. a handler that turned our cancellation into an error
            self._cancelled.discard(task)
        idle = self._idle
        if idle is not None and not running and not self._offers and not idle.done():
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

    async def offer(self, deliver: Deliver, message: StreamMessage) -> bool:
        """``deliver(message)`` in a worker task once fewer than ``limit`` are in
        hand: True once it started (handed to a worker), False if ``close`` came
        first (not started: the caller hands it back)."""
        return await self.offer_all(deliver, (message,)) == 1

    async def offer_all(self, deliver: Deliver, messages: Sequence[StreamMessage]) -> int:
        """``offer`` for each of ``messages``, in order: returns once all started,
        or at ``close`` how many did (the rest are not started). The workers take
        them one after another without waking the caller in between."""
        if self._closed:
            return 0
        started, count = 0, len(messages)
        parked, running = self._parked, self._running
        while started < count:
            if parked:
                task, future = parked.pop()
                if future.done():  # the worker was cancelled while parked
                    continue
                running[task] = messages[started]  # counted at once
                future.set_result((deliver, messages[started]))
            elif self._workers < self.limit:
                self._start(deliver, messages[started])
            else:
                break
            started += 1
        if started == count:
            return count
        offered = _Offered(asyncio.get_running_loop().create_future(), started, count)
        offers = self._offers
        for index in range(started, count):
            offers.append((deliver, messages[index], offered))
        return await offered.future

    async def _work(self, deliver: Deliver, message: StreamMessage) -> None:
        """One worker: a delivery, then the next offered message if one waits,
        else it parks until ``offer`` hands it one (or ``close``: it ends)."""
        task = asyncio.current_task()
        assert task is not None
        offers, parked = self._offers, self._parked
        while True:
            await self.deliver(deliver, message, task)
            if self._closed:
                return
            while offers:
                deliver, message, offered = offers.popleft()
                if offered.take():  # else its loop was cancelled meanwhile
                    break
            else:
                future: asyncio.Future[tuple[Deliver, StreamMessage] | None]
                future = asyncio.get_running_loop().create_future()
                parked.append((task, future))
                handed = await future
                if handed is None:
                    return
                deliver, message = handed

    def _worker_done(self, task: asyncio.Task[None]) -> None:
        self._workers -= 1
        self._spawned_done(task)
        offers = self._offers
        while offers and not self._closed:
            # Only after a failed delivery (a bug, logged): the offered go on.
            deliver, message, offered = offers.popleft()
            if offered.take():
                self._start(deliver, message)
                return

    def _start(self, deliver: Deliver, message: StreamMessage) -> None:
        self._workers += 1
        task = asyncio.get_running_loop().create_task(self._work(deliver, message))
        self._running[task] = message  # counted at once
        task.add_done_callback(self._worker_done)

    def close(self) -> None:
        """No more deliveries start: each offered message goes back to its loop
        (False), the parked workers end."""
        self._closed = True
        offers, parked = self._offers, self._parked
        while offers:
            _, _, offered = offers.popleft()
            offered.refuse()
        while parked:
            _, future = parked.pop()
            if not future.done():
                future.set_result(None)

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
        """Cancel every delivery in hand (``close`` first); returns how many."""
        self.close()
        for task in self._running:
            self._cancelled.add(task)
            task.cancel()
        return len(self._running)


class _Offered:
    """Messages of one ``offer_all`` call waiting for workers: its caller learns
    how many started once the last is taken, or at ``close``."""

    __slots__ = ("count", "future", "started")

    def __init__(self, future: asyncio.Future[int], started: int, count: int) -> None:
        self.future = future
        self.started = started
        self.count = count

    def take(self) -> bool:
        """A worker takes the next of these messages; False if the caller went away."""
        future = self.future
        if future.done():
            return False
        self.started += 1
        if self.started == self.count:
            future.set_result(self.started)
        return True

    def refuse(self) -> None:
        """``close``: the rest do not start."""
        if not self.future.done():
            self.future.set_result(self.started)

"""The Redis consume loops: one task per subscription, one or several handlers at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

from ..core.message import Deliver, StreamMessage
from ..core.taskloop import TaskLoop

#: Seconds before a consume loop reads again after a lost connection.
RETRY_DELAY = 1.0


class Loop(TaskLoop):
    """A consume loop in a task; ``stop`` lets the current message finish and
    starts no other (a stream group's unstarted entries stay pending)."""

    async def handle(self, deliver: Deliver, message: StreamMessage) -> bool:
        """Deliver ``message``; False (not delivered) once stopping."""
        if self.stopping:
            return False
        await self._inflight.deliver(deliver, message, self.task)
        return True

    async def handle_all(self, deliver: Deliver, messages: Iterable[StreamMessage]) -> int:
        """``handle`` each of ``messages`` in turn: how many were delivered.

        ``messages`` may be a generator: each message is then made just before
        it is delivered, and dies young, instead of a fetched batch of them
        surviving into the collector's older generations."""
        return await self._inflight.deliver_each(deliver, messages, self.task, self)


class Workers(Loop):
    """A consume loop delivering up to ``max_workers`` messages at once, each in a
    task of its own; it takes the next message once one of them ends."""

    handle = TaskLoop.submit

    async def handle_all(self, deliver: Deliver, messages: Iterable[StreamMessage]) -> int:
        return await self.submit_all(deliver, list(messages))


def make_loop(
    run: Callable[[Loop], Coroutine[Any, Any, None]],
    cleanup: Callable[[], Awaitable[Any]] | None,
    max_workers: int,
) -> Loop:
    if max_workers == 1:
        return Loop(run, cleanup)
    return Workers(run, cleanup, max_workers)

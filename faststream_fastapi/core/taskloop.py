"""A consumption that is a consume loop in its own task (NATS pull, Redis)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from typing_extensions import Self

from .inflight import InFlight
from .message import Deliver, StreamMessage
from .transport import Consumption


class TaskLoop(Consumption):
    """Runs ``run(loop)`` in a task; ``stop`` lets the messages in hand finish,
    then cancels the task and runs ``cleanup`` (unsubscribe, flush, ...).

    The transport's subclass adds ``handle``, which ``run`` calls per message
    to deliver it through ``_inflight`` in ``task``; with ``max_workers`` above
    1 its ``handle`` is ``submit`` instead.
    """

    def __init__(
        self,
        run: Callable[[Self], Coroutine[Any, Any, None]],
        cleanup: Callable[[], Awaitable[Any]] | None = None,
        max_workers: int = 1,
    ) -> None:
        self.stopping = False
        self._inflight = InFlight(max_workers)
        self._cleanup = cleanup
        self.task = asyncio.get_running_loop().create_task(run(self))

    async def submit(self, deliver: Deliver, message: StreamMessage) -> bool:
        """Deliver ``message`` in a worker task once fewer than ``max_workers``
        are in hand; False (not started: the caller hands it back) once stopping."""
        return await self.submit_all(deliver, (message,)) == 1

    async def submit_all(self, deliver: Deliver, messages: Sequence[StreamMessage]) -> int:
        """``submit`` for each of ``messages``: how many started (all, unless stopping)."""
        if self.stopping:
            return 0
        try:
            return await self._inflight.offer_all(deliver, messages)
        except asyncio.CancelledError:
            # ``stop`` closes the offers, then cancels the loop once the deliveries
            # in hand are done: the loop winds down as after a short count.
            if not self.stopping:
                raise
            uncancel = getattr(self.task, "uncancel", None)  # Python 3.11+
            if uncancel is not None:
                uncancel()
            return 0

    async def drained(self) -> None:
        """Until no delivery is in hand (at once with ``max_workers`` 1)."""
        await self._inflight.wait()

    @property
    def alive(self) -> bool:
        return not self.task.done()

    def cancel(self) -> int:
        return self._inflight.cancel()

    async def stop(self) -> None:
        self.stopping = True
        self._inflight.close()  # a message waiting for a worker goes back to the loop
        await self._inflight.wait()
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task
        if self._cleanup is not None:
            with contextlib.suppress(Exception):
                await self._cleanup()

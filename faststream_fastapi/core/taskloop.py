"""A consumption that is a consume loop in its own task (NATS pull, Redis)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from typing_extensions import Self

from .inflight import InFlight
from .transport import Consumption


class TaskLoop(Consumption):
    """Runs ``run(loop)`` in a task; ``stop`` lets the messages in hand finish,
    then cancels the task and runs ``cleanup`` (unsubscribe, flush, ...).

    The transport's subclass adds ``handle``, which ``run`` calls per message
    to deliver it through ``_inflight`` in ``task``.
    """

    def __init__(
        self,
        run: Callable[[Self], Coroutine[Any, Any, None]],
        cleanup: Callable[[], Awaitable[Any]] | None = None,
    ) -> None:
        self.stopping = False
        self._inflight = InFlight()
        self._cleanup = cleanup
        self.task = asyncio.get_running_loop().create_task(run(self))

    @property
    def alive(self) -> bool:
        return not self.task.done()

    def cancel(self) -> int:
        return self._inflight.cancel()

    async def stop(self) -> None:
        self.stopping = True
        await self._inflight.wait()
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task
        if self._cleanup is not None:
            with contextlib.suppress(Exception):
                await self._cleanup()

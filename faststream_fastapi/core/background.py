"""A subscriber's background tasks: run after settlement, drained at stop."""

from __future__ import annotations

import asyncio
from typing import Protocol

from fastapi.background import BackgroundTasks

from .views import Logs, Named


class TaskOwner(Named, Protocol):
    """What ``Background`` reads of its subscriber: names and a logger for errors."""

    @property
    def broker(self) -> Logs: ...

    @property
    def plan(self) -> Named: ...


#: How long cancelled handlers and tasks get to unwind at shutdown, past the graceful timeout.
CANCEL_WAIT = 5.0


class Background:
    """Runs ``BackgroundTasks`` after a message was settled, so a slow or failing
    task neither delays the ack nor fails the message; their errors are logged."""

    __slots__ = ("_sub", "_tasks")

    def __init__(self, sub: TaskOwner) -> None:
        self._sub = sub
        self._tasks: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def schedule(self, tasks: BackgroundTasks) -> None:
        task = asyncio.get_running_loop().create_task(self._run(tasks))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, tasks: BackgroundTasks) -> None:
        try:
            await tasks()
        except Exception as exc:
            sub = self._sub
            sub.broker.logger.error(
                "%s: background task of %s raised %s",
                sub.name,
                sub.plan.name,
                type(exc).__name__,
                exc_info=exc,
            )

    async def drain(self, timeout: float | None) -> None:
        """Wait ``timeout`` seconds (``None``: no limit) for the tasks, then cancel the rest."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        if pending:
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=CANCEL_WAIT)
            self._sub.broker.logger.warning(
                "%s: %d background task(s) cancelled at shutdown", self._sub.name, len(pending)
            )

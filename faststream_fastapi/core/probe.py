"""One readiness round trip at a time, never cut short by the caller that gave up.

A probe that times out must not harm the connection it probes: client libraries
break in odd ways when a request is cancelled half-way (nats-py's read loop dies
on a late PONG, for one). So the round trip runs in a task of its own; a caller
waits for it at most its own timeout and answers False if it has not finished.
The next caller waits for the same round trip instead of starting another, so a
stalled path holds one request, not one per probe, and the answer comes as soon
as that request does once the path is back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class Probe:
    """Answers whether ``round_trip`` completes (truthy, without error) within a timeout."""

    def __init__(self, round_trip: Callable[[], Awaitable[object]]) -> None:
        self._round_trip = round_trip
        self._task: asyncio.Task[object] | None = None

    async def __call__(self, timeout: float) -> bool:
        task = self._task
        if task is None or task.done():
            task = self._task = asyncio.ensure_future(self._round_trip())
            # An outcome no caller stayed for is not an unretrieved exception.
            task.add_done_callback(_retrieve)
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done or task.cancelled() or task.exception() is not None:
            return False
        return bool(task.result())

    async def cancel(self) -> None:
        """End the round trip in flight (the connection is closing)."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task})


def _retrieve(task: asyncio.Task[object]) -> None:
    if not task.cancelled():
        task.exception()

"""Helpers the test modules share (importable as ``support``: ``tests/`` is on the path)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


def wait_for(check: Callable[[], Any], timeout: float = 5.0) -> None:
    """Poll ``check`` from synchronous code (a ``TestClient`` block) until it is truthy."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


async def collect(n: int, queue: asyncio.Queue[Any], timeout: float = 5.0) -> list[Any]:
    """The next ``n`` items of ``queue``, each within ``timeout`` seconds."""
    return [await asyncio.wait_for(queue.get(), timeout) for _ in range(n)]

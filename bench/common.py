"""What every benchmark case shares: the handler shape and timing helpers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from pydantic import BaseModel


class Item(BaseModel):
    name: str
    qty: int
    tags: list[str] = []


PAYLOAD = Item(name="widget", qty=3, tags=["a", "b"])
PAYLOAD_JSON = PAYLOAD.model_dump_json().encode()


def encode() -> bytes:
    """What a bare client does per published message: serialize the model."""
    return PAYLOAD.model_dump_json().encode()


async def async_dep() -> int:
    return 1


Dep = Annotated[int, Depends(async_dep)]


class Counter:
    """Counts handled messages and wakes the bench when all arrived."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.count = 0
        self.done = asyncio.Event()

    def hit(self) -> None:
        self.count += 1
        if self.count >= self.expected:
            self.done.set()


async def timed(
    start: Callable[[], Awaitable[None]], counter: Counter, timeout: float = 120
) -> float:
    """Messages per second from ``start()`` until ``counter`` is full."""
    t0 = time.perf_counter()
    await start()
    await asyncio.wait_for(counter.done.wait(), timeout)
    return counter.count / (time.perf_counter() - t0)

"""What every benchmark case shares: the handler shape and timing helpers."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends
from pydantic import BaseModel

from faststream_fastapi.cli.loop import chosen_loop

# The library's Received / Processed line pair per message is a default for people
# reading a terminal; a production service sets its level. Every case measures without it.
logging.getLogger("faststream_fastapi").setLevel(logging.WARNING)


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
    """Counts handled messages, noting when the first and the last arrived."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.count = 0
        self.first = self.last = 0.0
        self.done = asyncio.Event()

    def hit(self) -> None:
        self.count += 1
        if self.count == 1:
            self.first = time.perf_counter()
        if self.count >= self.expected:
            self.last = time.perf_counter()
            self.done.set()


async def timed(
    start: Callable[[], Awaitable[None]], counter: Counter, timeout: float = 120
) -> float:
    """Messages per second from the first handled message to the last.

    Connecting, joining and the first fetch are left out on both sides: they are
    not throughput, and at Kafka's rates they would weigh as much as the messages
    (librdkafka alone waits 0 or 50 ms before its first fetch, run to run).
    """
    await start()
    await asyncio.wait_for(counter.done.wait(), timeout)
    return (counter.count - 1) / (counter.last - counter.first)


#: The event loops a row can run on: asyncio's own, and uvloop where it is installed
#: (``faststream-fastapi run`` takes it then, as uvicorn does).
LOOPS = ("asyncio", "uvloop")


def loops() -> list[str]:
    """The loops of ``LOOPS`` this machine has: uvloop where ``run --loop auto`` takes it."""
    return ["asyncio"] + (["uvloop"] if chosen_loop("auto") == "uvloop" else [])


def in_child(script: str, args: list[str], timeout: float) -> dict[str, Any]:
    """Run one row as ``python script *args`` (its peak RSS its own, its loop fresh):
    the JSON object its last line prints, or ``{"error": ...}``."""
    done = subprocess.run(
        [sys.executable, script, *args], capture_output=True, text=True, timeout=timeout
    )
    try:
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}

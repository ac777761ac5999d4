from __future__ import annotations

import asyncio
import faulthandler
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.types import ASGIApp, Message


class LifespanDriver:
    """Plays the server's side of the ASGI lifespan protocol, every wait bounded."""

    def __init__(self, app: ASGIApp, timeout: float = 10.0) -> None:
        self.app = app
        self.timeout = timeout
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.sent: list[Message] = []
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def _receive(self) -> Message:
        return await self.inbox.get()

    async def _send(self, message: Message) -> None:
        self.sent.append(message)
        await self._outbox.put(message)

    async def startup(self) -> Message:
        scope: dict[str, Any] = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self.task = asyncio.create_task(self.app(scope, self._receive, self._send))
        await self.inbox.put({"type": "lifespan.startup"})
        return await asyncio.wait_for(self._outbox.get(), self.timeout)

    async def shutdown(self) -> Message:
        await self.inbox.put({"type": "lifespan.shutdown"})
        message = await asyncio.wait_for(self._outbox.get(), self.timeout)
        await self.finished()
        return message

    async def finished(self) -> None:
        assert self.task is not None
        await asyncio.wait_for(self.task, self.timeout)


@pytest.fixture
def lifespan() -> type[LifespanDriver]:
    return LifespanDriver


async def call_asgi(app: ASGIApp, scope: dict[str, Any], *incoming: Message) -> list[Message]:
    """Call ``app`` once; return what it sent. ``incoming`` feeds ``receive``."""
    queue: asyncio.Queue[Message] = asyncio.Queue()
    for message in incoming:
        queue.put_nowait(message)
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    full = {"asgi": {"version": "3.0"}, "root_path": "", "headers": [], "query_string": b""}
    full.update(scope)
    await asyncio.wait_for(app(full, queue.get, send), 10.0)
    return sent


@pytest.fixture
def asgi_call() -> Any:
    return call_asgi


@pytest.fixture(autouse=True)
def hang_guard() -> Iterator[None]:
    """A last-resort bound: a test stuck for 120 s dumps every stack and ends the run."""
    faulthandler.dump_traceback_later(120, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()

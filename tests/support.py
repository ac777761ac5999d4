"""Helpers the test modules share (importable as ``support``: ``tests/`` is on the path)."""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest

from faststream_fastapi.core.message import Deliver, Envelope, StreamMessage
from faststream_fastapi.core.transport import Consumption, Transport


def wait_for(check: Callable[[], Any], timeout: float = 5.0) -> None:
    """Poll ``check`` from synchronous code (a ``TestClient`` block) until it is truthy."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


async def until(check: Callable[[], Any], timeout: float, what: str | Callable[[], str]) -> None:
    """Poll ``check`` (it may return an awaitable) from a coroutine until it is truthy.

    Fails with ``AssertionError`` naming ``what`` (called then, if callable: it can
    say what is missing) after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")
        await asyncio.sleep(0.02)


async def collect(n: int, queue: asyncio.Queue[Any], timeout: float = 5.0) -> list[Any]:
    """The next ``n`` items of ``queue``, each within ``timeout`` seconds."""
    return [await asyncio.wait_for(queue.get(), timeout) for _ in range(n)]


class TcpRelay:
    """A TCP relay on a free loopback port to ``127.0.0.1:upstream``.

    ``cut()`` aborts the connections through it, like a network failure (with
    ``refuse_for``, the connections made in the next seconds are dropped at once:
    an outage); ``close()`` also stops accepting new ones, so reconnects fail for good.
    ``stall()`` stops forwarding in both directions without closing anything, like
    packets dropped on a partition (no reset: both sides wait); what was sent
    meanwhile is held and forwarded on ``resume()``, as TCP retransmits it.
    """

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.links: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None
        self.refuse_until = 0.0
        self._flowing = asyncio.Event()
        self._flowing.set()

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if time.monotonic() < self.refuse_until:
            writer.transport.abort()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
        self.links += [writer, up_writer]

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    await self._flowing.wait()
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def cut(self, refuse_for: float = 0.0) -> None:
        self.refuse_until = time.monotonic() + refuse_for
        for link in self.links:
            link.transport.abort()
        self.links.clear()

    def stall(self) -> None:
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    async def close(self) -> None:
        self.resume()
        # Stop accepting first: a reconnect must not slip in after the cut.
        if self.server is not None:
            self.server.close()
        self.cut()
        if self.server is not None:
            await self.server.wait_closed()


def asgi_client(app: Any) -> httpx.AsyncClient:
    """An HTTP client calling ``app`` in process."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


class StubTransport(Transport):
    """A transport with no server: connects, closes, fails its ping; publishing,
    subscribing and requests are not implemented. Tests override what they exercise."""

    async def connect(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def ping(self, timeout: float) -> bool:
        return False

    async def publish(self, envelope: Envelope) -> Any:
        raise NotImplementedError

    async def subscribe(self, spec: Any, deliver: Deliver) -> Consumption:
        raise NotImplementedError

    async def request(self, envelope: Envelope, timeout: float) -> StreamMessage:
        raise NotImplementedError


#: How long a spawned process may take to end once killed.
SPAWN_BOUND = 30.0


@contextmanager
def spawn(
    cwd: Path,
    *args: str,
    env: dict[str, str] | None = None,
    pass_fds: tuple[int, ...] = (),
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a command in its own process group, output to ``cwd/output.log``;
    whatever is left of the group (workers too) is killed on exit."""
    log = (cwd / "output.log").open("wb")
    proc = subprocess.Popen(
        list(args),
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        pass_fds=pass_fds,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(SPAWN_BOUND)
        log.close()
        # workers of a group leader that already exited
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def memory_and_real(marker: pytest.MarkDecorator) -> Any:
    """A ``mode`` fixture: each test runs under the test broker ("memory") and on the
    real server ("real", marked with ``marker``); see ``running``."""

    @pytest.fixture(params=["memory", pytest.param("real", marks=marker)])
    def mode(request: pytest.FixtureRequest) -> str:
        return str(request.param)

    return mode


@asynccontextmanager
async def running(broker: Any, mode: str, test_broker: Any) -> AsyncIterator[Any]:
    """``broker`` started: inside ``test_broker(broker)`` for "memory", else for real."""
    if mode == "memory":
        async with test_broker(broker) as br:
            yield br
    else:
        async with broker:
            await broker.start()
            yield broker

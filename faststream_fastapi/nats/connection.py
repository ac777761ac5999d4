"""What the NATS transport knows of its nats-py client's connection: why it was
refused, whether it still talks to the server (a PING/PONG round trip) and
whether its read loop runs.

``Client.flush(timeout)`` cannot serve a readiness probe: when it times out it
cancels the future its PONG will resolve, and the late PONG then raises
``InvalidStateError`` in the client's read loop, which ends for good while the
client still says it is connected (nothing more is received, every request
times out). The probe here sends its own PING with a future nobody cancels.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

from nats.aio.client import Client

#: How often a PING in flight checks that a reconnection did not orphan it.
_ORPHAN_CHECK = 0.5

_log = logging.getLogger("faststream_fastapi.nats")


def explains(exc: Exception) -> bool:
    """Whether ``exc`` is why a connection is refused for good (credentials, TLS)."""
    return isinstance(exc, ssl.SSLError) or "Authorization Violation" in str(exc)


async def log_reconnected() -> None:
    _log.info("NATS connection re-established")


def reading(client: Client) -> bool:
    """False once the client's read loop has ended while it is neither closed nor
    reconnecting: it will receive nothing more."""
    if client.is_closed or client.is_reconnecting or client.is_connecting:
        return True
    task: asyncio.Task[Any] | None = client._reading_task
    return task is not None and not task.done()


async def round_trip(client: Client) -> bool:
    """PING, and wait for its PONG; False if the connection is lost meanwhile."""
    if not client.is_connected or not reading(client):
        return False
    pong: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    await client._send_ping(pong)
    pongs: list[asyncio.Future[Any]] = client._pongs
    while not pong.done():
        await asyncio.wait({pong}, timeout=_ORPHAN_CHECK)
        # A reconnection starts a new list of PONG waiters: this one is never answered.
        if not pong.done() and (client._pongs is not pongs or pong not in pongs):
            return False
    return pong.result()

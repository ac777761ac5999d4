"""Opening aio-pika's robust connection within a bound, and the readiness round trip.

``aio_pika.connect_robust`` waits for ever on an address that accepts TCP and
never speaks AMQP (a hung node, a half-open load balancer), and when the wait is
cut short the connection it made is never returned, so nobody closes it: its
reconnect task goes on and keeps the event loop from ending. Here the connection
is kept hold of as it is made, and closed on any failure.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast
from urllib.parse import quote, urlsplit, urlunsplit

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractRobustConnection

from ..core import redact

#: How long connecting (TCP, TLS, the AMQP handshake, the first channel) may take.
DEFAULT_CONNECT_TIMEOUT = 10.0


def with_address(
    url: str, *, host: str | None = None, port: int | None = None, virtualhost: str | None = None
) -> str:
    """``url`` with ``host``, ``port`` and ``virtualhost`` put in where given, as
    FastStream 0.5's ``RabbitBroker(url, host=..., port=..., virtualhost=...)`` builds it."""
    if host is None and port is None and virtualhost is None:
        return url
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = host or parts.hostname or "localhost"
    if ":" in netloc:  # an IPv6 address
        netloc = f"[{netloc}]"
    if port or parts.port:
        netloc = f"{netloc}:{port or parts.port}"
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    path = parts.path if virtualhost is None else "/" + quote(virtualhost.lstrip("/"), safe="")
    return urlunsplit((parts.scheme, netloc, path, parts.query, parts.fragment))


async def open_robust(
    url: str, connect_timeout: float, options: dict[str, Any]
) -> tuple[AbstractRobustConnection, AbstractChannel]:
    """A robust connection and its publishing channel, within ``connect_timeout`` s.

    Raises ``ConnectionError`` naming the address (no credentials); whatever
    was started is closed first, the reconnect task included.
    """
    made: list[AbstractRobustConnection] = []

    def keep(*args: Any, **kwargs: Any) -> AbstractRobustConnection:
        connection = aio_pika.RobustConnection(*args, **kwargs)
        made.append(connection)
        return connection

    async def opening() -> tuple[AbstractRobustConnection, AbstractChannel]:
        connection = await aio_pika.connect_robust(
            url,
            timeout=connect_timeout,
            connection_class=cast(Any, keep),
            **options,
        )
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        return connection, channel

    try:
        return await asyncio.wait_for(opening(), connect_timeout)
    except BaseException as exc:
        for connection in made:
            await connection.close()
        if not isinstance(exc, asyncio.TimeoutError | TimeoutError):
            raise
    raise ConnectionError(
        f"cannot connect to RabbitMQ at {redact.addresses(url)}: "
        f"no answer within {connect_timeout} s (connect_timeout)"
    )


async def round_trip(channel: AbstractChannel) -> bool:
    """Passively declare an exchange every broker has, on the channel under aio-pika's:
    a request the broker must answer (aio-pika's robust channel would answer its
    own ``get_exchange`` from a cache)."""
    underlay = await channel.get_underlay_channel()
    await underlay.exchange_declare("amq.direct", passive=True)
    return True


async def reopened(channel: aio_pika.RobustChannel) -> None:
    """Wait until aio-pika has restored ``channel`` (unbounded: the caller bounds it)."""
    # ``ready()`` alone can return before the restore has even begun, and
    # aio-pika offers no event for "reopened": poll.
    while channel.is_closed:  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    await channel.ready()

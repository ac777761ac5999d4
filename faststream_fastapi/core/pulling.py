"""``subscriber.get_one(timeout=...)``: pulling one message from a subscription
that has no handler, as FastStream 0.5 does.

``sub = broker.subscriber(...)`` left undecorated opens a *puller* on its
subscription when the broker starts (or at its first ``get_one``, for one
declared on a router or after the start); ``await sub.get_one(timeout=5)``
returns the next message, or ``None`` when none came in ``timeout`` seconds.
A transport with a ``pull(spec)`` method fetches on demand and returns the message
unsettled: ``await msg.ack()`` (where the broker has acks) is the caller's. Any
other transport (RabbitMQ, the test brokers) is subscribed to as a handler would
be, its messages queued until taken and acknowledged as they are taken (as 0.5's
RabbitMQ ``get_one`` did, with ``no_ack``). The broker's close closes its pullers.
"""

from __future__ import annotations

import abc
import asyncio
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .message import StreamMessage
    from .transport import Consumption


class Puller(abc.ABC):
    """One handler-less subscription's source, opened by a transport's ``pull``."""

    @abc.abstractmethod
    async def get_one(self, timeout: float) -> StreamMessage | None:
        """The next message, or ``None`` after ``timeout`` seconds without one."""

    async def close(self) -> None:
        return None


class _Subscribed(Puller):
    """A subscription delivering into a queue; a message is acked as it is taken."""

    consumption: Consumption

    def __init__(self) -> None:
        self.queue: asyncio.Queue[StreamMessage] = asyncio.Queue()

    async def put(self, message: StreamMessage) -> None:
        self.queue.put_nowait(message)

    async def get_one(self, timeout: float) -> StreamMessage | None:
        queue = self.queue
        if queue.empty():
            try:
                message = await asyncio.wait_for(queue.get(), timeout)
            except asyncio.TimeoutError:
                return None
        else:
            message = queue.get_nowait()
        await message.ack()
        return message

    async def close(self) -> None:
        await self.consumption.stop()


class Pullable(Protocol):
    """What a subscriber declaration lends to ``Pulls``."""

    puller: Puller | None

    @property
    def spec(self) -> Any: ...

    @property
    def handled(self) -> bool:
        """Whether a handler was declared on it (then it is consumed, not pulled)."""
        ...


class Pulls:
    """A broker's undecorated subscriber declarations and the pullers it opened."""

    def __init__(self) -> None:
        self.declared: list[Pullable] = []
        self.opened: list[Pullable] = []

    async def open(self, sub: Pullable, transport: Any) -> Puller:
        if sub.puller is None:
            pull = getattr(transport, "pull", None)
            if pull is not None:
                sub.puller = await pull(sub.spec)
            else:
                puller = _Subscribed()
                puller.consumption = await transport.subscribe(sub.spec, puller.put)
                sub.puller = puller
            self.opened.append(sub)
        return sub.puller

    async def start(self, transport: Any) -> None:
        """Open a puller for each declaration still without a handler."""
        for sub in self.declared:
            if not sub.handled:
                await self.open(sub, transport)

    async def close(self) -> None:
        opened, self.opened = self.opened, []
        for sub in opened:
            puller, sub.puller = sub.puller, None
            if puller is not None:
                await puller.close()

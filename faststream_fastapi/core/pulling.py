"""``subscriber.get_one(timeout=...)``: pulling one message from a subscription
that has no handler, as FastStream 0.5 does.

``sub = broker.subscriber(...)`` left undecorated opens a *puller* on its
subscription when the broker starts (or at its first ``get_one``, for one
declared on a router or after the start); ``await sub.get_one(timeout=5)``
returns the next message, or ``None`` when none came in ``timeout`` seconds.
The message is returned unsettled, as it arrived: ``await msg.ack()`` (where
the broker has acks) is the caller's. The broker's close closes its pullers.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, Protocol

from .errors import SetupError

if TYPE_CHECKING:
    from .message import StreamMessage


class Puller(abc.ABC):
    """One handler-less subscription's source, opened by a transport's ``pull``."""

    @abc.abstractmethod
    async def get_one(self, timeout: float) -> StreamMessage | None:
        """The next message, or ``None`` after ``timeout`` seconds without one."""

    async def close(self) -> None:
        return None


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
            if pull is None:
                raise SetupError(f"{type(transport).__name__} has no get_one()")
            sub.puller = await pull(sub.spec)
            self.opened.append(sub)
        return sub.puller

    async def start(self, transport: Any) -> None:
        """Open a puller for each declaration still without a handler."""
        for sub in self.declared:
            if not sub.handled and getattr(transport, "pull", None) is not None:
                await self.open(sub, transport)

    async def close(self) -> None:
        opened, self.opened = self.opened, []
        for sub in opened:
            puller, sub.puller = sub.puller, None
            if puller is not None:
                await puller.close()

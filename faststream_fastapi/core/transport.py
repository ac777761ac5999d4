"""The seam between the generic pipeline and one broker's client library.

A transport connects, publishes encoded envelopes, and feeds raw deliveries of
a subscription to a callback. Everything else is written once, above it. Each
transport names the spec type it subscribes with (``Transport[NatsSub]``).
"""

from __future__ import annotations

import abc
from typing import Any, Generic

from typing_extensions import TypeVar

from .errors import SetupError
from .message import Deliver, Envelope, StreamMessage
from .spec import DescribedSpec

#: The spec type a transport subscribes with; unnamed, any.
S = TypeVar("S", bound=DescribedSpec, default=Any)


class Consumption(abc.ABC):
    """A running subscription; ``stop`` ends it after in-flight deliveries."""

    @abc.abstractmethod
    async def stop(self) -> None: ...

    def cancel(self) -> int:
        """Cancel the deliveries ``stop`` is waiting for (past the graceful timeout);
        their messages go back unacknowledged. Returns how many were cancelled."""
        return 0

    @property
    def alive(self) -> bool:
        return True

    async def ready(self) -> None:
        """Return once what is published next is read (a Kafka group subscriber: once
        it joined its group). The broker's ``start`` awaits every subscriber's at once."""
        return None


class Transport(abc.ABC, Generic[S]):
    """Connect, close, ping, publish bytes, deliver subscriptions."""

    @abc.abstractmethod
    async def connect(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    def native(self) -> Any:
        """The client library's connection (what ``broker.connect()`` returns), or
        ``None`` when there is none (not connected, in memory)."""
        return None

    @abc.abstractmethod
    async def ping(self, timeout: float) -> bool: ...

    @abc.abstractmethod
    async def publish(self, envelope: Envelope) -> Any: ...

    @abc.abstractmethod
    async def subscribe(self, spec: S, deliver: Deliver) -> Consumption: ...

    async def subscribe_workers(self, spec: S, deliver: Deliver, max_workers: int) -> Consumption:
        """``subscribe`` with up to ``max_workers`` (more than 1) deliveries at once."""
        raise SetupError(f"{type(self).__name__} does not take max_workers above 1")

    @abc.abstractmethod
    async def request(self, envelope: Envelope, timeout: float) -> StreamMessage: ...

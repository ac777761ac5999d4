"""The message as handlers and middlewares see it, whatever the broker."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, Literal, TypeVar

from . import codec
from .headers import Headers

Settlement = Literal["ack", "nack", "reject"]

CONTENT_TYPE = "content-type"
CORRELATION_ID = "correlation_id"
REPLY_TO = "reply_to"
MESSAGE_ID = "message_id"


M = TypeVar("M", bound="StreamMessage")


class Settler(Generic[M]):
    """How a transport settles its deliveries: the one way every transport does it.

    One settler may serve one delivery (it holds the broker's handle) or all of
    a consumer's (it reads what it needs from the message it is given). It is
    called once per message, after ``message.settled`` was set: the message
    makes settling idempotent. The base class settles nothing, asynchronously;
    ``NO_SETTLER`` is for deliveries with nothing to tell a broker (in memory,
    core NATS, Redis pub/sub and lists).
    """

    __slots__ = ()

    def settle_now(self, message: M, settlement: Settlement) -> bool:
        """Settle without a round trip, when it is only bookkeeping (Kafka offsets,
        a Redis stream group's batched ``XACK``). False: nothing was done, ``settle``
        must be awaited."""
        return False

    async def settle(self, message: M, settlement: Settlement) -> None:
        return None

    async def ack_first(self, message: M) -> None:
        """Acknowledge before the handler runs (``AckPolicy.ACK_FIRST``): the broker
        has the ack when this returns, even where acks are otherwise batched."""
        await self.settle(message, "ack")

    async def ack_sync(self, message: M) -> None:
        """``message.ack_sync()``: acknowledge and return once the broker confirmed
        it, where it answers acks (NATS JetStream); elsewhere as ``ack_first``."""
        await self.ack_first(message)


class _NoSettler(Settler[Any]):
    """Nothing to tell a broker: every settlement is done on the spot."""

    __slots__ = ()

    def settle_now(self, message: Any, settlement: Settlement) -> bool:
        return True


NO_SETTLER: Settler[Any] = _NoSettler()

#: Shared and read-only: most messages have no path parameters, and one empty
#: mapping per message is garbage the collector has to visit.
NO_PATH: Mapping[str, str] = MappingProxyType({})


class StreamMessage:
    """A received message: body bytes, case-insensitive headers and metadata.

    ``ack``, ``nack`` and ``reject`` are idempotent: the first one wins.
    """

    __slots__ = (
        "_decoded",
        "_headers",
        "body",
        "content_type",
        "correlation_id",
        "destination",
        "message_id",
        "path",
        "raw",
        "reply_to",
        "settled",
        "settler",
    )

    def __init__(
        self,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        destination: str = "",
        reply_to: str | None = None,
        correlation_id: str | None = None,
        message_id: str | None = None,
        content_type: str | None = None,
        raw: Any = None,
        settler: Settler[Any] = NO_SETTLER,
    ) -> None:
        self.body = body
        hdrs = headers if isinstance(headers, Headers) else Headers(headers)
        self._headers: Headers | dict[str, str] = hdrs
        data = hdrs._data  # keys are lower-case already; skip the per-lookup lowering
        self.destination = destination
        self.reply_to = reply_to or data.get(REPLY_TO) or None
        self.correlation_id = correlation_id or data.get(CORRELATION_ID)
        self.message_id = message_id or data.get(MESSAGE_ID)
        self.content_type = content_type or data.get(CONTENT_TYPE)
        #: ``{name}`` parts of the destination; set by the subscriber when it has any.
        self.path: Mapping[str, str] = NO_PATH
        self.raw = raw
        self.settled: Settlement | None = None
        #: How the transport settles this delivery (see ``Settler``).
        self.settler = settler
        self._decoded: Any = _UNSET

    @classmethod
    def received(cls, body: bytes, headers: Headers, destination: str, raw: Any) -> StreamMessage:
        """``cls(body, headers, destination=destination, raw=raw)`` for a transport's
        hot path: ``headers`` a ``Headers`` already, every slot stored right here."""
        self = object.__new__(cls)
        data = headers._data
        self.body = body
        self._headers = headers
        self.destination = destination
        self.reply_to = data.get(REPLY_TO) or None
        self.correlation_id = data.get(CORRELATION_ID)
        self.message_id = data.get(MESSAGE_ID)
        self.content_type = data.get(CONTENT_TYPE)
        self.path = NO_PATH
        self.raw = raw
        self.settled = None
        self.settler = NO_SETTLER
        self._decoded = _UNSET
        return self

    @property
    def headers(self) -> Headers:
        """Case-insensitive; the ``Headers`` view is made on first look.

        A transport may leave ``_headers`` a plain dict with lower-case keys:
        most handlers never look, and the view is one object per message less.
        """
        headers = self._headers
        if type(headers) is dict:
            headers = self._headers = Headers.lowered(headers)
        return headers  # type: ignore[return-value]

    @headers.setter
    def headers(self, value: Mapping[str, str]) -> None:
        self._headers = value if isinstance(value, Headers) else Headers(value)

    @property
    def raw_message(self) -> Any:
        """FastStream 0.5's name of ``raw``: the client library's message (``None`` in
        memory). Settle through ``ack()``/``nack()``/``reject()``, not through it."""
        return self.raw

    @property
    def batch_headers(self) -> list[Headers]:
        """Each item's headers, for a batch (``core.batch``); empty for one message."""
        return []

    def decoded(self) -> Any:
        """The body as plain Python (JSON value, str or bytes), decoded once."""
        if self._decoded is _UNSET:
            self._decoded = codec.decode(self.body, self.content_type)
        return self._decoded

    async def decode(self) -> Any:
        """``await message.decode()``, as in FastStream 0.5: ``decoded()``, awaitable."""
        return self.decoded()

    def settle_now(self, settlement: Settlement) -> bool:
        """Settle without awaiting where the settler allows it (bookkeeping only);
        True also when already settled. False: await ``ack()``/``nack()``/``reject()``."""
        if self.settled is None:
            if not self.settler.settle_now(self, settlement):
                return False
            self.settled = settlement
        return True

    async def settle(self, settlement: Settlement) -> None:
        """``ack()``, ``nack()`` or ``reject()`` by name; the first settlement wins."""
        if self.settled is None:
            self.settled = settlement
            if self.settler is not NO_SETTLER:
                await self.settler.settle(self, settlement)

    async def ack(self) -> None:
        await self.settle("ack")

    async def ack_sync(self) -> None:
        """``ack``, returning once the broker confirmed it (FastStream 0.5's NATS
        ``ack_sync``; a NATS JetStream ack otherwise goes unanswered)."""
        if self.settled is None:
            self.settled = "ack"
            if self.settler is not NO_SETTLER:
                await self.settler.ack_sync(self)

    async def nack(self) -> None:
        await self.settle("nack")

    async def reject(self) -> None:
        await self.settle("reject")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(destination={self.destination!r}, "
            f"message_id={self.message_id!r}, correlation_id={self.correlation_id!r})"
        )


_UNSET: Any = object()


@dataclass(slots=True)
class Envelope:
    """An outgoing message, already encoded, with broker-specific options."""

    destination: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    reply_to: str | None = None
    correlation_id: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class EnvelopeBatch:
    """Envelopes published together (``publish_batch``, a batch publisher), as a
    middleware's ``publish_batch`` sees them: one destination, one call to the broker."""

    envelopes: list[Envelope]

    @property
    def destination(self) -> str:
        return self.envelopes[0].destination if self.envelopes else ""

    def __len__(self) -> int:
        return len(self.envelopes)


Deliver = Callable[[StreamMessage], Awaitable[None]]

"""The message as handlers and middlewares see it, whatever the broker."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from . import codec
from .headers import Headers

Settlement = Literal["ack", "nack", "reject"]

CONTENT_TYPE = "content-type"
CORRELATION_ID = "correlation_id"
REPLY_TO = "reply_to"
MESSAGE_ID = "message_id"


class Settler:
    """How a transport acknowledges one delivery. The default settles nothing."""

    __slots__ = ()

    async def ack(self) -> None:
        return None

    async def nack(self) -> None:
        return None

    async def reject(self) -> None:
        return None


NO_SETTLER = Settler()

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
        "_settler",
        "body",
        "content_type",
        "correlation_id",
        "destination",
        "message_id",
        "path",
        "raw",
        "reply_to",
        "settled",
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
        settler: Settler = NO_SETTLER,
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
        self._settler = settler
        self._decoded: Any = _UNSET

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

    def decode(self) -> Any:
        """The body as plain Python (JSON value, str or bytes), decoded once."""
        if self._decoded is _UNSET:
            self._decoded = codec.decode(self.body, self.content_type)
        return self._decoded

    def settle_now(self, settlement: Settlement) -> bool:
        """Settle without a round trip when the transport allows (Kafka: offset
        bookkeeping). False: nothing was done, await ``ack()``/``nack()``/``reject()``."""
        return False

    async def ack(self) -> None:
        if self.settled is None:
            self.settled = "ack"
            if self._settler is not NO_SETTLER:
                await self._settler.ack()

    async def ack_unbatched(self) -> None:
        """Acknowledge on its own, not with a batch: the broker has it when this
        returns (``AckPolicy.ACK_FIRST`` relies on it). Most transports send
        every ack that way; a Redis stream group batches ``ack()``."""
        await self.ack()

    async def nack(self) -> None:
        if self.settled is None:
            self.settled = "nack"
            if self._settler is not NO_SETTLER:
                await self._settler.nack()

    async def reject(self) -> None:
        if self.settled is None:
            self.settled = "reject"
            if self._settler is not NO_SETTLER:
                await self._settler.reject()

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


Deliver = Callable[[StreamMessage], Awaitable[None]]

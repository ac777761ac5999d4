"""``KafkaMessage``: a ``StreamMessage`` with the record's key, partition, offset and time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import pydantic_core

from ..core import codec
from ..core.headers import Headers
from ..core.message import (
    _UNSET,
    CONTENT_TYPE,
    CORRELATION_ID,
    NO_PATH,
    NO_SETTLER,
    REPLY_TO,
    Settler,
    StreamMessage,
)

RawHeaders = Sequence[tuple[str, bytes | None]] | None


class OffsetBook(Protocol):
    """Where a record's settlement goes (``consume.Offsets``)."""

    def settle(self, position: tuple[str, int], first: int, last: int, requeue: bool) -> None: ...


class KafkaMessage(StreamMessage):
    """A Kafka record as handlers see it.

    ``key``, ``partition``, ``offset`` and ``timestamp`` (ms since the epoch)
    come from the record; ``raw`` is the client library's record. For a batch
    subscriber, ``raw`` is the list of records, ``batch`` the list of
    per-record ``KafkaMessage`` and the scalar attributes are the first record's.
    """

    __slots__ = ("_offsets", "batch", "key", "offset", "partition", "timestamp", "topic")

    def __init__(
        self,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        topic: str = "",
        partition: int = 0,
        offset: int = -1,
        key: bytes | None = None,
        timestamp: int | None = None,
        raw: Any = None,
        settler: Settler = NO_SETTLER,
        batch: list[KafkaMessage] | None = None,
        lowered: bool = False,
    ) -> None:
        if lowered and isinstance(headers, dict):
            # Our own decoding: lower-case keys already. Fill the slots directly,
            # this runs for every record.
            self.headers = Headers.lowered(headers)
            self.body = body
            self.destination = topic
            self.content_type = headers.get(CONTENT_TYPE)
            self.correlation_id = headers.get(CORRELATION_ID)
            reply_to = headers.get(REPLY_TO)
            self.reply_to = reply_to or None
            self.message_id = f"{topic}:{partition}:{offset}" if offset >= 0 else None
            self.path = NO_PATH
            self.raw = raw
            self.settled = None
            self._settler = settler
            self._decoded = _UNSET
        else:
            super().__init__(
                body,
                headers,
                destination=topic,
                message_id=f"{topic}:{partition}:{offset}" if offset >= 0 else None,
                raw=raw,
                settler=settler,
            )
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.timestamp = timestamp
        self.batch = batch
        self._offsets: OffsetBook | None = None

    @classmethod
    def from_record(
        cls,
        body: bytes,
        headers: dict[str, str],
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        timestamp: int | None,
        raw: Any,
        offsets: OffsetBook,
    ) -> KafkaMessage:
        """A consumed record, built for the hot path: slots filled directly and
        settled straight into ``offsets`` (no settler object per record).
        ``headers`` must have lower-case keys (``decode_headers``)."""
        self = cls.__new__(cls)
        self.headers = Headers.lowered(headers)
        self.body = body
        self.destination = self.topic = topic
        self.content_type = headers.get(CONTENT_TYPE)
        self.correlation_id = headers.get(CORRELATION_ID)
        self.reply_to = headers.get(REPLY_TO) or None
        self.message_id = f"{topic}:{partition}:{offset}"
        self.path = NO_PATH
        self.raw = raw
        self.settled = None
        self._settler = NO_SETTLER
        self._decoded = _UNSET
        self.partition = partition
        self.offset = offset
        self.key = key
        self.timestamp = timestamp
        self.batch = None
        self._offsets = offsets
        return self

    async def ack(self) -> None:
        if self._offsets is None:
            await super().ack()
        elif self.settled is None:
            self.settled = "ack"
            self._offsets.settle((self.topic, self.partition), self.offset, self.offset, False)

    async def reject(self) -> None:
        if self._offsets is None:
            await super().reject()
        elif self.settled is None:
            self.settled = "reject"
            self._offsets.settle((self.topic, self.partition), self.offset, self.offset, False)

    async def nack(self) -> None:
        if self._offsets is None:
            await super().nack()
        elif self.settled is None:
            self.settled = "nack"
            self._offsets.settle((self.topic, self.partition), self.offset, self.offset, True)

    def __repr__(self) -> str:
        return (
            f"KafkaMessage(topic={self.topic!r}, partition={self.partition}, "
            f"offset={self.offset}, key={self.key!r})"
        )


def decode_headers(raw: RawHeaders) -> dict[str, str]:
    """Kafka header values are bytes; ours are text (undecodable bytes replaced).

    Keys are lower-cased: pass the result with ``lowered=True``.
    """
    if not raw:
        return {}
    out: dict[str, str] = {}
    try:
        # A loop, not a comprehension: one frame less per record (CPython 3.11).
        for k, v in raw:
            out[k.lower()] = v.decode()  # type: ignore[union-attr]
        return out
    except (UnicodeDecodeError, AttributeError):  # rare: bad UTF-8 or a null value
        return {k.lower(): (v.decode(errors="replace") if v is not None else "") for k, v in raw}


def encode_headers(
    headers: Mapping[str, str], correlation_id: str | None, reply_to: str | None
) -> list[tuple[str, bytes]]:
    out = [(k, v.encode()) for k, v in headers.items()]
    if correlation_id:
        out.append((CORRELATION_ID, correlation_id.encode()))
    if reply_to:
        out.append((REPLY_TO, reply_to.encode()))
    return out


def as_key(key: bytes | str | None) -> bytes | None:
    return key.encode() if isinstance(key, str) else key


def batch_message(items: list[KafkaMessage], settler: Settler) -> KafkaMessage:
    """One message whose body is the JSON array of the items' decoded bodies.

    JSON items are spliced in as they are (no decode and re-encode); others
    are decoded by their content type first. A malformed item makes the
    whole array malformed: the batch is then settled as one bad message.
    """
    first = items[0]
    msg = KafkaMessage(
        _json_array(items),
        {CONTENT_TYPE: codec.JSON},
        topic=first.topic,
        partition=first.partition,
        offset=first.offset,
        key=first.key,
        timestamp=first.timestamp,
        raw=[m.raw for m in items],
        settler=settler,
        batch=items,
    )
    return msg


def _json_array(items: Iterable[StreamMessage]) -> bytes:
    parts: list[bytes] = []
    for m in items:
        if not m.body:
            parts.append(b"null")
        elif codec.is_json(m.content_type):
            parts.append(m.body)
        else:
            try:
                value = m.decode()
            except codec.DecodeError:
                value = m.body.decode(errors="replace")
            if isinstance(value, bytes):
                value = value.decode(errors="replace")
            parts.append(pydantic_core.to_json(value))
    return b"[" + b",".join(parts) + b"]"

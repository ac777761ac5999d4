"""``KafkaMessage``: a ``StreamMessage`` with the record's key, partition, offset and time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core.batch import items_body
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


class KafkaMessage(StreamMessage):
    """A Kafka record as handlers see it.

    ``key``, ``partition``, ``offset`` and ``timestamp`` (ms since the epoch)
    come from the record; ``raw`` is the client library's record. For a batch
    subscriber, ``raw`` is the list of records, ``batch`` the list of
    per-record ``KafkaMessage`` and the scalar attributes are the first record's.

    A client's records come as a subclass that reads ``key`` and ``timestamp``
    from the record when asked: most handlers never do.
    """

    __slots__ = ("_key", "_timestamp", "batch", "offset", "partition", "topic")

    topic: str
    partition: int
    offset: int
    batch: list[KafkaMessage] | None
    _key: bytes | None
    _timestamp: int | None

    def __new__(
        cls,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        topic: str = "",
        partition: int = 0,
        offset: int = -1,
        key: bytes | None = None,
        timestamp: int | None = None,
        raw: Any = None,
        settler: Settler[Any] = NO_SETTLER,
        batch: list[KafkaMessage] | None = None,
        lowered: bool = False,
    ) -> KafkaMessage:
        # ``lowered``: the keys are lower-case already (``decode_headers``).
        data = dict(headers or {}) if lowered else Headers(headers)._data
        self = cls.from_record(body, data, topic, partition, offset, raw, settler)
        self._key = key
        self._timestamp = timestamp
        self.batch = batch
        return self

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Nothing left to do: ``__new__`` filled every slot, as ``from_record`` does."""

    @classmethod
    def from_record(
        cls,
        body: bytes | None,
        headers: RawHeaders | dict[str, str],
        topic: str,
        partition: int,
        offset: int,
        raw: Any,
        settler: Settler[Any],
    ) -> KafkaMessage:
        """A record as a message, built for the hot path (every slot stored
        right here): Kafka's ``(name, bytes)`` header pairs decoded
        (a dict is taken as decoded already), the ``Headers`` view left for a
        first look, settled by the consumer's one ``settler`` (its offset book).

        ``key`` and ``timestamp`` are left to the class: a client's subclass reads
        them from ``raw``; ``KafkaMessage(...)`` stores the ones it is given."""
        self = object.__new__(cls)
        data = headers if isinstance(headers, dict) else decode_headers(headers)
        self._headers = data
        self.body = body if body is not None else b""
        self.destination = self.topic = topic
        self.content_type = data.get(CONTENT_TYPE)
        self.correlation_id = data.get(CORRELATION_ID)
        self.reply_to = data.get(REPLY_TO) or None
        self.path = NO_PATH
        self.raw = raw
        self.settled = None
        self.settler = settler
        self._decoded = _UNSET
        self.partition = partition
        self.offset = offset
        self.batch = None
        return self

    @property
    def batch_headers(self) -> list[Headers]:
        """Each record's headers, for a batch; empty for one record."""
        return [m.headers for m in self.batch] if self.batch is not None else []

    @property
    def key(self) -> bytes | None:
        return self._key

    @property
    def timestamp(self) -> int | None:
        """Milliseconds since the epoch, if the record has a time."""
        return self._timestamp

    @property
    def message_id(self) -> str | None:
        """``topic:partition:offset``, made when asked: most messages never are.
        A custom parser may set its own (FastStream 0.5's docs do)."""
        return f"{self.topic}:{self.partition}:{self.offset}" if self.offset >= 0 else None

    @message_id.setter
    def message_id(self, value: str | None) -> None:
        # The message becomes its class's twin that reads the id stored: messages
        # whose id nobody sets pay nothing for it.
        _STORED_ID.__set__(self, value)
        self.__class__ = _with_stored_id(type(self))

    def __repr__(self) -> str:
        return (
            f"KafkaMessage(topic={self.topic!r}, partition={self.partition}, "
            f"offset={self.offset}, key={self.key!r})"
        )


#: ``StreamMessage``'s own ``message_id`` slot, which ``KafkaMessage``'s property hides.
_STORED_ID: Any = StreamMessage.__dict__["message_id"]


def _with_stored_id(cls: type[KafkaMessage]) -> type[KafkaMessage]:
    """``cls`` reading ``message_id`` from the slot a custom parser set (made once)."""
    twin = _TWINS.get(cls)
    if twin is None:
        twin = _TWINS[cls] = type(cls.__name__, (cls,), {"__slots__": (), "message_id": _STORED_ID})
    return twin


_TWINS: dict[type[KafkaMessage], type[KafkaMessage]] = {}


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


def batch_message(items: list[KafkaMessage], settler: Settler[Any]) -> KafkaMessage:
    """One message whose body is the JSON array of the items' decoded bodies
    (``core.batch.items_body``); its headers and record fields are the first
    item's, ``batch_headers`` every item's."""
    first = items[0]
    raw = [m.raw for m in items]
    at = (first.topic, first.partition, first.offset)
    body, content_type, value = items_body(items)
    msg = KafkaMessage.from_record(body, dict(first.headers._data), *at, raw, settler)
    msg._key, msg._timestamp, msg.batch = first.key, first.timestamp, items
    msg.content_type = content_type
    if value is not None:
        msg._decoded = value
    return msg

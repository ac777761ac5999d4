"""How a message with headers travels in one Redis value.

Redis values carry no headers, so ours are framed: a magic prefix, the JSON
headers' length and the headers, then the body untouched. A value without
the prefix (a foreign producer) is a body with no headers.
"""

from __future__ import annotations

import struct
from typing import Any

import pydantic_core

from ..core.headers import Headers
from ..core.message import StreamMessage

MAGIC = b"\x00FSF\x01"
#: The stream entry field holding the framed value.
DATA_FIELD = b"__data__"
_LEN = struct.Struct(">I")
_MAGIC_LEN = len(MAGIC)
_HEAD = _MAGIC_LEN + _LEN.size


def pack(body: bytes, headers: dict[str, str]) -> bytes:
    raw = pydantic_core.to_json(headers) if headers else b""
    return b"".join((MAGIC, _LEN.pack(len(raw)), raw, body))


def unpack(data: bytes) -> tuple[bytes, dict[str, str]]:
    if not data.startswith(MAGIC) or len(data) < _HEAD:
        return data, {}
    (size,) = _LEN.unpack_from(data, len(MAGIC))
    end = _HEAD + size
    if end > len(data):
        return data, {}
    try:
        headers = pydantic_core.from_json(data[_HEAD:end]) if size else {}
    except ValueError:
        return data, {}
    if not isinstance(headers, dict):
        return data, {}
    # JSON object keys are strings; values are ours (strings) or validated later.
    return data[end:], headers


#: The frame (magic, length, header JSON) of the last framed value read, and the
#: headers it gave: a producer's values mostly carry the same ones (a content
#: type), parsed once then, and shared between messages as the read-only
#: ``Headers`` they are. A value starting with that frame has those headers. One
#: tuple, replaced whole: consumers in other threads see a pair, never half of one.
_last: tuple[bytes, Headers] = (b"", Headers())
_EMPTY = Headers()
_received = StreamMessage.received


def to_message(data: bytes, destination: str, raw: Any) -> StreamMessage:
    """A framed value as a message."""
    global _last
    frame, headers = _last
    if frame and data.startswith(frame):
        return _received(data[len(frame) :], headers, destination, raw)
    if data[:_MAGIC_LEN] != MAGIC or len(data) < _HEAD:
        return _received(data, _EMPTY, destination, raw)
    body, parsed = unpack(data)
    if body is data:  # not ours after all: a body without headers
        return _received(data, _EMPTY, destination, raw)
    headers = Headers(parsed)
    _last = (data[: len(data) - len(body)], headers)
    return _received(body, headers, destination, raw)

"""Turning Python values into message bodies and back.

Publishing sets a content type; consuming honours it. A message without a
content type is decoded by what the handler asks for (see ``callplan``).
"""

from __future__ import annotations

from typing import Any

import pydantic_core
from pydantic import BaseModel

JSON = "application/json"
TEXT = "text/plain"
BINARY = "application/octet-stream"
#: A batch holding binary items (``core.batch``): its value is its ``decoded()`` list.
DECODED = "application/x-decoded-batch"


class DecodeError(ValueError):
    """The body could not be decoded for its content type."""


def encode(value: Any) -> tuple[bytes, str | None]:
    """Return the wire body and its content type for ``value``."""
    if value is None:
        return b"", None
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value), BINARY
    if isinstance(value, str):
        return value.encode(), TEXT
    if isinstance(value, BaseModel):
        return value.__pydantic_serializer__.to_json(value), JSON
    return pydantic_core.to_json(value), JSON


def is_json(content_type: str | None) -> bool:
    return content_type is not None and (
        content_type.startswith(JSON) or content_type.endswith("+json")
    )


def is_text(content_type: str | None) -> bool:
    return content_type is not None and content_type.startswith("text/")


def decode(body: bytes, content_type: str | None) -> Any:
    """Decode a body into plain Python: JSON values, ``str`` or ``bytes``.

    Without a content type, JSON is tried first, then UTF-8 text, then bytes:
    foreign producers rarely label what they send.
    """
    if not body:
        return None
    if is_json(content_type):
        try:
            return pydantic_core.from_json(body)
        except ValueError as exc:
            raise DecodeError(f"invalid JSON body ({exc.__class__.__name__})") from None
    if is_text(content_type):
        try:
            return body.decode()
        except UnicodeDecodeError:
            raise DecodeError("text body is not valid UTF-8") from None
    if content_type is None:
        try:
            return pydantic_core.from_json(body)
        except ValueError:
            try:
                return body.decode()
            except UnicodeDecodeError:
                return body
    return body

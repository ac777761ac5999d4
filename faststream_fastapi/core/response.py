"""What a handler may return to control the published reply."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Response:
    """A return value with headers and a correlation id, published as is."""

    __slots__ = ("body", "correlation_id", "headers")

    def __init__(
        self,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> None:
        self.body = body
        self.headers = dict(headers or {})
        self.correlation_id = correlation_id

    def __repr__(self) -> str:
        return f"Response(body={self.body!r}, headers={self.headers!r})"

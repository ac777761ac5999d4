"""What a handler may return to control the published reply."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict


class ResponseOptions(TypedDict, total=False):
    """What every ``<B>Response`` takes besides its body and its broker's options."""

    headers: Mapping[str, Any] | None
    correlation_id: str | None


class Response:
    """A return value with headers and a correlation id, published as is.

    ``options`` are the broker's publish keywords (``<B>Response`` sets them):
    they apply where the value goes to a ``@publisher`` destination.
    """

    __slots__ = ("body", "correlation_id", "headers", "options")

    def __init__(
        self,
        body: Any = None,
        *,
        headers: Mapping[str, Any] | None = None,
        correlation_id: str | None = None,
    ) -> None:
        self.body = body
        self.headers: dict[str, Any] = dict(headers or {})
        self.correlation_id = correlation_id
        self.options: dict[str, Any] = {}

    def add_headers(self, extra: Mapping[str, Any], *, override: bool = True) -> None:
        """Add ``extra`` headers; with ``override=False`` the ones set already win."""
        if override:
            self.headers = {**self.headers, **extra}
        else:
            self.headers = {**extra, **self.headers}

    def as_publish_kwargs(self) -> dict[str, Any]:
        """The keywords a ``publish()`` of the body takes to send it as this response."""
        return {"headers": self.headers, "correlation_id": self.correlation_id, **self.options}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(body={self.body!r}, headers={self.headers!r})"


def ensure_response(value: Any) -> Response:
    """``value`` as a ``Response`` (itself when it is one)."""
    return value if isinstance(value, Response) else Response(value)


def given(**options: Any) -> dict[str, Any]:
    """The publish options of a ``<B>Response`` that are set (not ``None``)."""
    return {k: v for k, v in options.items() if v is not None}

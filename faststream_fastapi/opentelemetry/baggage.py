"""The message's OpenTelemetry baggage and span for handlers: ``CurrentBaggage``, ``CurrentSpan``.

A consumed message's baggage is in the OpenTelemetry context while its
handler runs (``TelemetryMiddleware`` extracts it), and every publish made
there carries the context's baggage on. ``Baggage`` reads and changes that
context, so a handler's changes travel with what it publishes next; nothing
is made for a message whose handler does not ask for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends
from opentelemetry import baggage, trace
from opentelemetry import context as otel_context
from opentelemetry.baggage.propagation import W3CBaggagePropagator

_PROPAGATOR = W3CBaggagePropagator()


class Baggage:
    """Key-value pairs that travel with messages in the W3C ``baggage`` header."""

    __slots__ = ("_items",)

    def __init__(self, payload: Mapping[str, Any] | None = None) -> None:
        self._items = dict(payload or {})

    def get_all(self) -> dict[str, Any]:
        """A copy of every pair."""
        return dict(self._items)

    def get_all_batch(self) -> list[dict[str, Any]]:
        """Each message's pairs, for a batch; one message has none of its own."""
        return []

    def get(self, key: str) -> Any:
        return self._items.get(key)

    def set(self, key: str, value: Any) -> None:
        """Sets ``key``; publishes made after this carry it."""
        self._items[key] = value
        otel_context.attach(baggage.set_baggage(key, value))

    def remove(self, key: str) -> None:
        """Drops ``key``; publishes made after this do not carry it."""
        self._items.pop(key, None)
        otel_context.attach(baggage.remove_baggage(key))

    def clear(self) -> None:
        """Drops every pair, here and from later publishes."""
        self._items.clear()
        otel_context.attach(baggage.clear())

    def to_headers(self, headers: dict[str, Any] | None = None) -> dict[str, Any]:
        """``headers`` (a new dict by default) with these pairs as a ``baggage`` header."""
        out = {} if headers is None else headers
        ctx = otel_context.Context()
        for key, value in self._items.items():
            ctx = baggage.set_baggage(key, value, ctx)
        _PROPAGATOR.inject(out, ctx)
        return out

    @classmethod
    def from_headers(cls, headers: Mapping[str, Any]) -> Baggage:
        """The pairs of a ``baggage`` header."""
        return cls(baggage.get_all(_PROPAGATOR.extract(headers)))

    @classmethod
    def current(cls) -> Baggage:
        """The pairs of the current OpenTelemetry context (in a handler: its message's)."""
        return cls(baggage.get_all())

    def __repr__(self) -> str:
        return repr(self._items)


def _current_span() -> trace.Span:
    return trace.get_current_span()


def _current_baggage() -> Baggage:
    return Baggage.current()


#: The span of the message being handled (``TelemetryMiddleware``'s consumer span).
CurrentSpan = Annotated[trace.Span, Depends(_current_span)]
#: The baggage of the message being handled.
CurrentBaggage = Annotated[Baggage, Depends(_current_baggage)]

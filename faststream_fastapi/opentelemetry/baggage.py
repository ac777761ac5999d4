"""The message's OpenTelemetry baggage and span for handlers: ``CurrentBaggage``, ``CurrentSpan``.

A consumed message's baggage is in the OpenTelemetry context while its
handler runs (``TelemetryMiddleware`` extracts it), and every publish made
there carries the context's baggage on. ``Baggage`` reads and changes that
context, so a handler's changes travel with what it publishes next; nothing
is made for a message whose handler does not ask for it. A batch's handler
sees its items' baggage merged, and each item's in ``get_all_batch()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends
from opentelemetry import baggage, trace
from opentelemetry import context as otel_context
from opentelemetry.baggage.propagation import W3CBaggagePropagator

from ..core.message import StreamMessage

_PROPAGATOR = W3CBaggagePropagator()

#: Each item's baggage, in the context a batch's handler runs in.
_BATCH = otel_context.create_key("faststream_fastapi.telemetry.batch_baggage")


def batch_context(
    merged: Mapping[str, object], each: list[dict[str, object]]
) -> otel_context.Context:
    """A context with ``merged`` as its baggage and, for more than one item, ``each``
    item's (as FastStream 0.5, a batch of one has no per-item baggage)."""
    context = otel_context.Context()
    for key, value in merged.items():
        context = baggage.set_baggage(key, value, context)
    if len(each) > 1:
        context = otel_context.set_value(_BATCH, each, context)
    return context


class Baggage:
    """Key-value pairs that travel with messages in the W3C ``baggage`` header."""

    __slots__ = ("_batch", "_items")

    def __init__(
        self,
        payload: Mapping[str, Any] | None = None,
        batch_payload: list[Mapping[str, Any]] | None = None,
    ) -> None:
        self._items = dict(payload or {})
        self._batch = [dict(item) for item in batch_payload] if batch_payload else []

    def get_all(self) -> dict[str, Any]:
        """A copy of every pair."""
        return dict(self._items)

    def get_all_batch(self) -> list[dict[str, Any]]:
        """Each message's pairs, for a batch of several; empty for one message."""
        return [dict(item) for item in self._batch]

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
    def from_msg(cls, message: StreamMessage) -> Baggage:
        """A message's pairs; a batch's: its items' merged (a later item's value wins),
        and each item's."""
        items = message.batch_headers
        if len(items) <= 1:
            return cls(baggage.get_all(_PROPAGATOR.extract(message.headers)))
        each = [baggage.get_all(_PROPAGATOR.extract(headers)) for headers in items]
        merged: dict[str, Any] = {}
        for pairs in each:
            merged.update(pairs)
        return cls(merged, each)

    @classmethod
    def current(cls) -> Baggage:
        """The pairs of the current OpenTelemetry context (in a handler: its message's;
        a batch's: its items' merged, and each item's)."""
        return cls(baggage.get_all(), otel_context.get_value(_BATCH))  # type: ignore[arg-type]

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

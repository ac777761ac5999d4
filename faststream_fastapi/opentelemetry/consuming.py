"""The consumer side of ``TelemetryMiddleware``: a ``process`` span per message
(after a ``create`` span for a message without a trace context, a batch, or a
message published in a batch)."""

from __future__ import annotations

from typing import Any, Protocol

from opentelemetry import baggage, trace
from opentelemetry import context as otel_context
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.trace import SpanKind, Status, StatusCode

from ..core.headers import Headers
from ..core.message import CORRELATION_ID, StreamMessage
from ..core.middleware import CallNext, Middleware, SubscriberView
from ..observability.labels import handler_label, messaging_system
from .attributes import (
    BATCH_COUNT,
    BODY_SIZE,
    CONVERSATION_ID,
    DESTINATION,
    DESTINATION_PUBLISH,
    DESTINATION_TEMPLATE,
    ERROR_TYPE,
    OPERATION,
    OPERATION_TYPE,
    PAYLOAD_SIZE,
    SYSTEM,
    consumed_by,
    consumer_source,
)
from .attributes import MESSAGE_ID as MESSAGE_ID_ATTR
from .baggage import batch_context
from .meters import Meters, Timing


class Owner(Protocol):
    """What a consumer's tracing reads of its ``TelemetryMiddleware``."""

    tracer: trace.Tracer

    def extract_marked(self, message: StreamMessage) -> tuple[otel_context.Context, bool]: ...

    def batch(self, items: list[Headers]) -> tuple[list[trace.Link], otel_context.Context]: ...


#: Set in the context a handler runs in: the middleware that traces it, and the
#: context its message came with (a publish from the handler sends that one on).
ORIGIN = otel_context.create_key("faststream_fastapi.telemetry.origin")

#: The parent of a message without trace headers: shared, a ``Context`` is immutable.
NO_PARENT = otel_context.Context()


def has_span(context: otel_context.Context) -> bool:
    return context is not NO_PARENT and trace.get_current_span(context).get_span_context().is_valid


class ConsumeTracing(Middleware):
    """Bound to one subscriber: its span names and constant attributes, built once."""

    __slots__ = ("_base", "_create", "_extra", "_name", "_source", "owner", "tracer")

    def __init__(self, owner: Owner, subscriber: SubscriberView) -> None:
        self.owner = owner
        self.tracer = owner.tracer
        system = messaging_system(subscriber.broker)
        label = handler_label(subscriber)
        self._name = f"{label} process"
        self._create = f"{label} create"
        self._base: dict[str, Any] = {
            SYSTEM: system,
            OPERATION: "process",
            OPERATION_TYPE: "process",
            DESTINATION_TEMPLATE: subscriber.name,
        }
        source = consumer_source(subscriber, system)
        if source is not None:  # RabbitMQ's: the exchange, for every message alike
            self._base[DESTINATION_PUBLISH] = source
        self._source = source is None
        self._extra = consumed_by(system)

    async def consume(self, message: StreamMessage, call_next: CallNext) -> Any:
        size = len(message.body)
        attributes = {
            **self._base,
            DESTINATION: message.destination,
            BODY_SIZE: size,
            PAYLOAD_SIZE: size,
        }
        if self._source:
            attributes[DESTINATION_PUBLISH] = message.destination
        if message.message_id:
            attributes[MESSAGE_ID_ATTR] = message.message_id
        if message.correlation_id:
            attributes[CONVERSATION_ID] = message.correlation_id
        extra = self._extra
        if extra is not None:
            extra(message, attributes)
        # The producer's context (and baggage) with this span in it is current
        # while the handler runs: its own publishes and spans join the trace.
        links: list[trace.Link] | None = None
        items = message.batch_headers
        if items:
            attributes[BATCH_COUNT] = len(items)
            links, parent = self.owner.batch(items)
        else:
            parent, marked = self.owner.extract_marked(message)
            if marked:
                # Published in a batch: a trace of its own, linked to the batch's.
                producer = trace.get_current_span(parent).get_span_context()
                links = [trace.Link(producer)] if producer.is_valid else []
                parent = trace.set_span_in_context(trace.INVALID_SPAN, parent)  # baggage kept
        if links is not None or not has_span(parent):
            created = {**attributes, OPERATION_TYPE: "create"}
            del created[OPERATION]
            create = self.tracer.start_span(
                self._create, parent, kind=SpanKind.CONSUMER, attributes=created, links=links
            )
            create.end()
            parent = trace.set_span_in_context(create, parent)
        span = self.tracer.start_span(
            self._name, context=parent, kind=SpanKind.CONSUMER, attributes=attributes
        )
        context = otel_context.set_value(ORIGIN, (self.owner, parent), parent)
        token = otel_context.attach(trace.set_span_in_context(span, context))
        try:
            return await call_next(message)
        except Exception as exc:
            record_error(span, exc)
            raise
        finally:
            otel_context.detach(token)
            span.end()


class MeteredConsume(ConsumeTracing):
    """Traced, and timed into ``messaging.process.*``."""

    __slots__ = ("_meters", "_metric_attributes")

    def __init__(self, owner: Owner, subscriber: SubscriberView, meters: Meters):
        super().__init__(owner, subscriber)
        self._meters = meters
        self._metric_attributes = {
            SYSTEM: self._base[SYSTEM],
            DESTINATION_PUBLISH: handler_label(subscriber),
        }

    async def consume(self, message: StreamMessage, call_next: CallNext) -> Any:
        meters = self._meters
        # A batch counts its messages (FastStream 0.5's), timed once.
        count = len(message.batch_headers) or 1
        with Timing(
            meters.process_duration, meters.process_messages, self._metric_attributes, count
        ):
            return await super().consume(message, call_next)


def record_error(span: trace.Span, exc: Exception) -> None:
    # The exception's type and message, no payload: messages here never
    # include the body (see ``core.errors``). An unsampled span keeps nothing.
    if not span.is_recording():
        return
    span.set_attribute(ERROR_TYPE, type(exc).__qualname__)
    span.record_exception(exc)
    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))


def batch_of(
    propagator: TextMapPropagator, items: list[Headers]
) -> tuple[list[trace.Link], otel_context.Context]:
    """A consumed batch's links and the context its handler runs in.

    Links go to each item's producer context, one per correlation id (with the
    number of items sharing it, when more than one); an item without a
    correlation id is linked on its own. The context has no span, and the
    items' baggage merged (a later item's value wins), each item's kept for
    ``Baggage.get_all_batch()``.
    """
    counts: dict[Any, int] = {}
    found: dict[Any, trace.SpanContext] = {}
    merged: dict[str, object] = {}
    each: list[dict[str, object]] = []
    for headers in items:
        context = propagator.extract(headers)
        span_context = trace.get_current_span(context).get_span_context()
        key = headers.get(CORRELATION_ID) or (span_context.trace_id, span_context.span_id)
        counts[key] = counts.get(key, 0) + 1
        if span_context.is_valid:
            found[key] = span_context
        pairs = dict(baggage.get_all(context))
        merged.update(pairs)
        each.append(pairs)
    links = [
        trace.Link(context, {BATCH_COUNT: counts[key]} if counts[key] > 1 else None)
        for key, context in found.items()
    ]
    return links, batch_context(merged, each)

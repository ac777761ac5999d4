"""OpenTelemetry tracing: a PRODUCER span per publish, a CONSUMER span per message.

The trace context and baggage travel in message headers (W3C ``traceparent``,
``tracestate``, ``baggage`` by default), so the HTTP request that publishes,
the publish and the handler that consumes share one trace on every broker.
Spans are named as FastStream 0.5 names them: ``"<destination> publish"``,
``"<destination> process"``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from opentelemetry import baggage, propagate, trace
from opentelemetry import context as otel_context
from opentelemetry.metrics import Meter, MeterProvider
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.trace import SpanKind, Status, StatusCode, TracerProvider

from ..core.message import MESSAGE_ID, Envelope, StreamMessage
from ..core.middleware import BrokerView, CallNext, Middleware, PublishNext, SubscriberView
from ..observability.labels import (
    RABBITMQ,
    REPLY,
    PublishLabels,
    handler_label,
    is_reply,
    messaging_system,
)
from .attributes import (
    BODY_SIZE,
    CONVERSATION_ID,
    DESTINATION,
    DESTINATION_PUBLISH,
    DESTINATION_TEMPLATE,
    DESTINATION_TEMPORARY,
    ERROR_TYPE,
    OPERATION,
    OPERATION_TYPE,
    PAYLOAD_SIZE,
    SYSTEM,
    consumed_by,
    consumer_source,
    published_by,
)
from .attributes import MESSAGE_ID as MESSAGE_ID_ATTR
from .meters import Meters, Timing
from .w3c import TRACEPARENT, format_traceparent, is_default, parse

TRACER_NAME = "faststream_fastapi"


class TelemetryMiddleware(Middleware):
    """Traces consuming and publishing, and propagates context through headers.

    ``tracer_provider`` defaults to the global one; ``propagator`` to the global
    text-map propagator (W3C trace context + baggage unless configured
    otherwise). Span names use the destination as declared: the subscriber's
    ``handler`` label and, for publishes, the ``destination`` label
    ``PrometheusMiddleware`` would use (``destination_label``,
    ``max_destinations``); attributes keep the concrete destination.
    With ``meter_provider`` or ``meter``, durations (and, with
    ``include_messages_counters``, counts) are recorded as OpenTelemetry
    metrics too (``meters.py``).
    """

    def __init__(
        self,
        *,
        tracer_provider: TracerProvider | None = None,
        propagator: TextMapPropagator | None = None,
        destination_label: Callable[[str], str] | None = None,
        max_destinations: int = 100,
        meter_provider: MeterProvider | None = None,
        meter: Meter | None = None,
        include_messages_counters: bool = False,
    ) -> None:
        self.tracer = trace.get_tracer(TRACER_NAME, tracer_provider=tracer_provider)
        self.meters = Meters.of(meter_provider, meter, counters=include_messages_counters)
        self._propagator = propagator
        self.destination_label = destination_label
        self.max_destinations = max_destinations
        self._bound: _Bound | None = None

    @property
    def propagator(self) -> TextMapPropagator:
        return self._bind().propagator

    def _bind(self) -> _Bound:
        # Looked up per use, so a global propagator set after construction applies.
        propagator = self._propagator or propagate.get_global_textmap()
        bound = self._bound
        if bound is None or bound.propagator is not propagator:
            bound = self._bound = _Bound.of(propagator)
        return bound

    def extract(self, message: StreamMessage) -> otel_context.Context:
        """The producer's context from ``message``'s headers; empty if it sent none."""
        bound = self._bind()
        headers = message.headers
        keys = headers.keys()  # lower-case names
        # Parsing costs microseconds; messages of an untraced producer carry
        # none of the fields, and start a trace of their own.
        if keys.isdisjoint(bound.fields):
            return _NO_PARENT
        if bound.w3c and keys.isdisjoint(bound.others):
            value = headers.get(TRACEPARENT)
            if type(value) is str:
                context = parse(value)
                if context is not None:
                    return context
        return bound.propagator.extract(headers)

    def inject(
        self, headers: dict[str, str], span: trace.Span, context: otel_context.Context
    ) -> None:
        """Writes ``context``, whose span is ``span``, into ``headers`` as the propagator would."""
        bound = self._bind()
        if bound.w3c and not baggage.get_all(context):
            span_context = span.get_span_context()
            if span_context is trace.INVALID_SPAN_CONTEXT:  # the no-op tracer's: nothing to send
                return
            if span_context.is_valid and not span_context.trace_state:
                headers[TRACEPARENT] = format_traceparent(span_context)
                return
        bound.propagator.inject(headers, context=context)

    def for_subscriber(self, subscriber: SubscriberView) -> Middleware:
        if self.meters is not None:
            return _MeteredConsume(self, subscriber, self.meters)
        return _ConsumeTracing(self, subscriber)

    def for_broker(self, broker: BrokerView) -> Middleware:
        if self.meters is not None:
            return _MeteredPublish(self, broker, self.meters)
        return _PublishTracing(self, broker)


class _Bound(NamedTuple):
    """What ``TelemetryMiddleware`` needs of its propagator, worked out once per propagator."""

    propagator: TextMapPropagator
    #: The header names it reads, lower-cased (a composite builds the set per access).
    fields: frozenset[str]
    #: Those besides ``traceparent``: when a message has any, the propagator parses it.
    others: frozenset[str]
    #: OpenTelemetry's default W3C one: ``.w3c`` may read and write for it.
    w3c: bool

    @classmethod
    def of(cls, propagator: TextMapPropagator) -> _Bound:
        fields = frozenset(field.lower() for field in propagator.fields)
        return cls(propagator, fields, fields - {TRACEPARENT}, is_default(propagator))


#: The parent of a message without trace headers: shared, a ``Context`` is immutable.
_NO_PARENT = otel_context.Context()
_NAME_CACHE_LIMIT = 10_000


class _ConsumeTracing(Middleware):
    """Bound to one subscriber: its span name and constant attributes, built once."""

    __slots__ = ("_base", "_extra", "_name", "_source", "owner", "tracer")

    def __init__(self, owner: TelemetryMiddleware, subscriber: SubscriberView) -> None:
        self.owner = owner
        self.tracer = owner.tracer
        system = messaging_system(subscriber.broker)
        self._name = f"{handler_label(subscriber)} process"
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
        parent = self.owner.extract(message)
        span = self.tracer.start_span(
            self._name, context=parent, kind=SpanKind.CONSUMER, attributes=attributes
        )
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        try:
            return await call_next(message)
        except Exception as exc:
            _record_error(span, exc)
            raise
        finally:
            otel_context.detach(token)
            span.end()


class _PublishTracing(Middleware):
    """Bound to one broker: span names cached per destination."""

    __slots__ = ("_base", "_extra", "_label", "_name", "_names", "owner", "tracer")

    def __init__(self, owner: TelemetryMiddleware, broker: BrokerView) -> None:
        self.owner = owner
        self.tracer = owner.tracer
        system = messaging_system(broker)
        self._base: dict[str, Any] = {
            SYSTEM: system,
            OPERATION: "publish",
            OPERATION_TYPE: "send",
        }
        self._label = PublishLabels(broker, owner.destination_label, owner.max_destinations)
        self._names: dict[str, str] = {}
        self._extra = published_by(system)
        # Chosen once: RabbitMQ's names the exchange too (``default.orders publish``).
        self._name = self._exchange_name if system == RABBITMQ else self._destination_name

    def _destination_name(self, envelope: Envelope) -> str:
        destination = envelope.destination
        name = self._names.get(destination)
        if name is None:
            name = f"{self._label.of_destination(destination)} publish"
            if len(self._names) < _NAME_CACHE_LIMIT:
                self._names[destination] = name
        return name

    def _exchange_name(self, envelope: Envelope) -> str:
        label = self._label.of_exchange(envelope.options.get("exchange"), envelope.destination)
        name = self._names.get(label)
        if name is None:
            name = self._names[label] = f"{label} publish"  # as many as labels: bounded
        return name

    async def publish(self, envelope: Envelope, call_next: PublishNext) -> Any:
        destination = envelope.destination
        attributes = {
            **self._base,
            DESTINATION: destination,
            BODY_SIZE: len(envelope.body),
        }
        if is_reply(envelope):  # reply-to inboxes are per requester: never cached
            name = _REPLY_NAME
            attributes[DESTINATION_TEMPORARY] = True
        else:
            name = self._name(envelope)
        message_id = envelope.headers.get(MESSAGE_ID)
        if message_id:
            attributes[MESSAGE_ID_ATTR] = message_id
        if envelope.correlation_id:
            attributes[CONVERSATION_ID] = envelope.correlation_id
        extra = self._extra
        if extra is not None:
            extra(envelope, attributes)
        span = self.tracer.start_span(name, kind=SpanKind.PRODUCER, attributes=attributes)
        context = trace.set_span_in_context(span)
        self.owner.inject(envelope.headers, span, context)
        token = otel_context.attach(context)
        try:
            result = await call_next(envelope)
        except Exception as exc:
            _record_error(span, exc)
            raise
        finally:
            span.end()
            otel_context.detach(token)
        return result


_REPLY_NAME = f"{REPLY} publish"


class _MeteredConsume(_ConsumeTracing):
    """Traced, and timed into ``messaging.process.*``."""

    __slots__ = ("_meters", "_metric_attributes")

    def __init__(self, owner: TelemetryMiddleware, subscriber: SubscriberView, meters: Meters):
        super().__init__(owner, subscriber)
        self._meters = meters
        self._metric_attributes = {
            SYSTEM: self._base[SYSTEM],
            DESTINATION_PUBLISH: handler_label(subscriber),
        }

    async def consume(self, message: StreamMessage, call_next: CallNext) -> Any:
        meters = self._meters
        with Timing(meters.process_duration, meters.process_messages, self._metric_attributes):
            return await super().consume(message, call_next)


class _MeteredPublish(_PublishTracing):
    """Traced, and timed into ``messaging.publish.*``."""

    __slots__ = ("_meters", "_system")

    def __init__(self, owner: TelemetryMiddleware, broker: BrokerView, meters: Meters) -> None:
        super().__init__(owner, broker)
        self._meters = meters
        self._system = self._base[SYSTEM]

    async def publish(self, envelope: Envelope, call_next: PublishNext) -> Any:
        meters = self._meters
        if is_reply(envelope):
            label = REPLY
        elif self._system == RABBITMQ:
            label = self._label.of_exchange(envelope.options.get("exchange"), envelope.destination)
        else:
            label = self._label.of_destination(envelope.destination)
        attributes = {SYSTEM: self._system, DESTINATION: label}
        with Timing(meters.publish_duration, meters.publish_messages, attributes):
            return await super().publish(envelope, call_next)


def _record_error(span: trace.Span, exc: Exception) -> None:
    # The exception's type and message, no payload: messages here never
    # include the body (see ``core.errors``). An unsampled span keeps nothing.
    if not span.is_recording():
        return
    span.set_attribute(ERROR_TYPE, type(exc).__qualname__)
    span.record_exception(exc)
    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))

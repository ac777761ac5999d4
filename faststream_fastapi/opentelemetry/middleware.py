"""OpenTelemetry tracing: a PRODUCER span per publish, a CONSUMER span per message.

The trace context and baggage travel in message headers (W3C ``traceparent``,
``tracestate``, ``baggage`` by default), so the HTTP request that publishes,
the publish and the handler that consumes share one trace on every broker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from opentelemetry import baggage, propagate, trace
from opentelemetry import context as otel_context
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.trace import SpanKind, Status, StatusCode, TracerProvider

from ..core.message import MESSAGE_ID, Envelope, StreamMessage
from ..core.middleware import BrokerView, CallNext, Middleware, PublishNext, SubscriberView
from ..observability.labels import REPLY, PublishLabels, is_reply, messaging_system
from .w3c import TRACEPARENT, format_traceparent, is_default, parse

# Messaging semantic-convention attribute names (kept here, not imported from
# the unstable ``opentelemetry-semantic-conventions`` package).
SYSTEM = "messaging.system"
OPERATION = "messaging.operation"
OPERATION_TYPE = "messaging.operation.type"
DESTINATION = "messaging.destination.name"
DESTINATION_TEMPLATE = "messaging.destination.template"
DESTINATION_TEMPORARY = "messaging.destination.temporary"
MESSAGE_ID_ATTR = "messaging.message.id"
CONVERSATION_ID = "messaging.message.conversation_id"
BODY_SIZE = "messaging.message.body.size"
ERROR_TYPE = "error.type"

TRACER_NAME = "faststream_fastapi"


class TelemetryMiddleware(Middleware):
    """Traces consuming and publishing, and propagates context through headers.

    ``tracer_provider`` defaults to the global one; ``propagator`` to the global
    text-map propagator (W3C trace context + baggage unless configured
    otherwise). Span names use the destination as declared: the subscriber's
    name or pattern, and for publishes the label ``PrometheusMiddleware``
    would use (``destination_label``, ``max_destinations``); attributes keep
    the concrete destination.
    """

    def __init__(
        self,
        *,
        tracer_provider: TracerProvider | None = None,
        propagator: TextMapPropagator | None = None,
        destination_label: Callable[[str], str] | None = None,
        max_destinations: int = 100,
    ) -> None:
        self.tracer = trace.get_tracer(TRACER_NAME, tracer_provider=tracer_provider)
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
        return _ConsumeTracing(self, subscriber)

    def for_broker(self, broker: BrokerView) -> Middleware:
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

    __slots__ = ("_base", "_name", "owner", "tracer")

    def __init__(self, owner: TelemetryMiddleware, subscriber: SubscriberView) -> None:
        self.owner = owner
        self.tracer = owner.tracer
        self._name = f"process {subscriber.name}"
        self._base: dict[str, Any] = {
            SYSTEM: messaging_system(subscriber.broker),
            OPERATION: "process",
            OPERATION_TYPE: "process",
            DESTINATION_TEMPLATE: subscriber.name,
        }

    async def consume(self, message: StreamMessage, call_next: CallNext) -> Any:
        attributes = {
            **self._base,
            DESTINATION: message.destination,
            BODY_SIZE: len(message.body),
        }
        if message.message_id:
            attributes[MESSAGE_ID_ATTR] = message.message_id
        if message.correlation_id:
            attributes[CONVERSATION_ID] = message.correlation_id
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

    __slots__ = ("_base", "_label", "_names", "owner", "tracer")

    def __init__(self, owner: TelemetryMiddleware, broker: BrokerView) -> None:
        self.owner = owner
        self.tracer = owner.tracer
        self._base: dict[str, Any] = {
            SYSTEM: messaging_system(broker),
            OPERATION: "publish",
            OPERATION_TYPE: "send",
        }
        self._label = PublishLabels(broker, owner.destination_label, owner.max_destinations)
        self._names: dict[str, str] = {}

    def _name(self, destination: str) -> str:
        name = self._names.get(destination)
        if name is None:
            name = f"publish {self._label.of_destination(destination)}"
            if len(self._names) < _NAME_CACHE_LIMIT:
                self._names[destination] = name
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
            name = self._name(destination)
        message_id = envelope.headers.get(MESSAGE_ID)
        if message_id:
            attributes[MESSAGE_ID_ATTR] = message_id
        if envelope.correlation_id:
            attributes[CONVERSATION_ID] = envelope.correlation_id
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


_REPLY_NAME = f"publish {REPLY}"


def _record_error(span: trace.Span, exc: Exception) -> None:
    # The exception's type and message, no payload: messages here never
    # include the body (see ``core.errors``). An unsampled span keeps nothing.
    if not span.is_recording():
        return
    span.set_attribute(ERROR_TYPE, type(exc).__qualname__)
    span.record_exception(exc)
    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))

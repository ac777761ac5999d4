"""OpenTelemetry tracing: PRODUCER spans per publish, a CONSUMER span per message.

The trace context and baggage travel in message headers (W3C ``traceparent``,
``tracestate``, ``baggage`` by default), so the HTTP request that publishes,
the publish and the handler that consumes share one trace on every broker.
Spans are named and linked as FastStream 0.5 does:

- a publish outside a handler starts a ``"<destination> create"`` span (the
  message's creation context, ended at once), whose context the message
  carries, and a ``"<destination> publish"`` span under it;
- a publish from a handler has its ``publish`` span under the handler's
  ``process`` span, and the message carries the context the handled message
  came with (its creation context): every message of a chain is a child of
  the first one's ``create`` span;
- a batch published in one go (``publish_batch``) has one ``create`` and one
  ``publish`` span, with ``messaging.batch.message_count``; each message carries
  the ``create`` span's context and a ``with_batch`` baggage entry;
- a consumed message without a trace context, or marked ``with_batch``, gets a
  CONSUMER ``create`` span first (linked to the producer's, if any); a batch's
  ``create`` span links each item's producer context (with
  ``messaging.batch.message_count`` where items share a correlation id), and
  its ``process`` span carries the batch's message count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from opentelemetry import baggage, propagate, trace
from opentelemetry import context as otel_context
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.metrics import Meter, MeterProvider
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.trace import SpanKind, TracerProvider

from ..core.headers import Headers
from ..core.message import MESSAGE_ID, Envelope, EnvelopeBatch, StreamMessage
from ..core.middleware import BatchNext, BrokerView, Middleware, PublishNext, SubscriberView
from ..observability.labels import (
    RABBITMQ,
    REPLY,
    PublishLabels,
    is_reply,
    messaging_system,
)
from .attributes import (
    BATCH_COUNT,
    BODY_SIZE,
    CONVERSATION_ID,
    DESTINATION,
    DESTINATION_TEMPORARY,
    OPERATION,
    OPERATION_TYPE,
    SYSTEM,
    WITH_BATCH,
    published_by,
)
from .attributes import MESSAGE_ID as MESSAGE_ID_ATTR
from .consuming import NO_PARENT, ORIGIN, ConsumeTracing, MeteredConsume, batch_of, record_error
from .meters import Meters, Timing
from .w3c import TRACEPARENT, format_traceparent, is_default, parse

TRACER_NAME = "faststream_fastapi"

_BAGGAGE = W3CBaggagePropagator()


class MessageAction:
    """The last word of a span's name (and its ``messaging.operation``), as FastStream 0.5's."""

    CREATE = "create"
    PUBLISH = "publish"
    PROCESS = "process"
    RECEIVE = "receive"


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
        return self.extract_marked(message)[0]

    def extract_marked(self, message: StreamMessage) -> tuple[otel_context.Context, bool]:
        """``extract``, and whether its baggage has the ``with_batch`` mark of a message
        published in a batch (looked for only where baggage may be: a message with a
        lone ``traceparent`` pays nothing for it)."""
        bound = self._bind()
        headers = message.headers
        keys = headers.keys()  # lower-case names
        # Parsing costs microseconds; messages of an untraced producer carry
        # none of the fields, and start a trace of their own.
        if keys.isdisjoint(bound.fields):
            return NO_PARENT, False
        if bound.w3c and keys.isdisjoint(bound.others):
            value = headers.get(TRACEPARENT)
            if type(value) is str:
                context = parse(value)
                if context is not None:
                    return context, False
        context = bound.propagator.extract(headers)
        return context, bool(baggage.get_baggage(WITH_BATCH, context))

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

    def batch(self, items: list[Headers]) -> tuple[list[trace.Link], otel_context.Context]:
        """A consumed batch's links and the context its handler runs in (``consuming.batch_of``)."""
        return batch_of(self._bind().propagator, items)

    def for_subscriber(self, subscriber: SubscriberView) -> Middleware:
        if self.meters is not None:
            return MeteredConsume(self, subscriber, self.meters)
        return ConsumeTracing(self, subscriber)

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


_NAME_CACHE_LIMIT = 10_000


class _PublishTracing(Middleware):
    """Bound to one broker: span names cached per destination."""

    __slots__ = ("_base", "_extra", "_label", "_name", "_names", "owner", "tracer")

    def __init__(self, owner: TelemetryMiddleware, broker: BrokerView) -> None:
        self.owner = owner
        self.tracer = owner.tracer
        system = messaging_system(broker)
        self._base: dict[str, Any] = {SYSTEM: system}
        self._label = PublishLabels(broker, owner.destination_label, owner.max_destinations)
        #: A destination's (``publish``, ``create``) span names.
        self._names: dict[str, tuple[str, str]] = {}
        self._extra = published_by(system)
        # Chosen once: RabbitMQ's names the exchange too (``default.orders publish``).
        self._name = self._exchange_name if system == RABBITMQ else self._destination_name

    def _destination_name(self, envelope: Envelope) -> tuple[str, str]:
        destination = envelope.destination
        names = self._names.get(destination)
        if names is None:
            names = _names(self._label.of_destination(destination))
            if len(self._names) < _NAME_CACHE_LIMIT:
                self._names[destination] = names
        return names

    def _exchange_name(self, envelope: Envelope) -> tuple[str, str]:
        label = self._label.of_exchange(envelope.options.get("exchange"), envelope.destination)
        names = self._names.get(label)
        if names is None:
            names = self._names[label] = _names(label)  # as many as labels: bounded
        return names

    def _sent(
        self,
        current: otel_context.Context,
        carried: otel_context.Context,
        attributes: dict[str, Any],
        create_name: str,
        carrier: dict[str, str],
    ) -> otel_context.Context:
        """The span a message is sent as, injected into ``carrier`` over ``carried``'s
        baggage; returns the context the ``publish`` span starts in. From a handler, it
        is the handled message's (under the handler's span); else a ``create`` span."""
        origin: tuple[TelemetryMiddleware, otel_context.Context] | None = current.get(ORIGIN)  # type: ignore[assignment]
        if (
            origin is not None
            and origin[0] is self.owner
            and trace.get_current_span(current).is_recording()
        ):
            sent = trace.get_current_span(origin[1])
            self.owner.inject(carrier, sent, trace.set_span_in_context(sent, carried))
            return current
        attributes[OPERATION_TYPE] = "create"
        sent = self.tracer.start_span(create_name, kind=SpanKind.PRODUCER, attributes=attributes)
        parent = trace.set_span_in_context(sent, current)
        injected = parent if carried is current else trace.set_span_in_context(sent, carried)
        self.owner.inject(carrier, sent, injected)
        sent.end()
        return parent

    async def publish(self, envelope: Envelope, call_next: PublishNext) -> Any:
        destination = envelope.destination
        attributes = {
            **self._base,
            DESTINATION: destination,
            BODY_SIZE: len(envelope.body),
        }
        if is_reply(envelope):  # reply-to inboxes are per requester: never cached
            name, create_name = _REPLY_NAMES
            attributes[DESTINATION_TEMPORARY] = True
        else:
            name, create_name = self._name(envelope)
        message_id = envelope.headers.get(MESSAGE_ID)
        if message_id:
            attributes[MESSAGE_ID_ATTR] = message_id
        if envelope.correlation_id:
            attributes[CONVERSATION_ID] = envelope.correlation_id
        extra = self._extra
        if extra is not None:
            extra(envelope, attributes)
        current = otel_context.get_current()
        parent = self._sent(current, current, attributes, create_name, envelope.headers)
        attributes[OPERATION] = "publish"
        attributes[OPERATION_TYPE] = "send"
        span = self.tracer.start_span(
            name, context=parent, kind=SpanKind.PRODUCER, attributes=attributes
        )
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        try:
            result = await call_next(envelope)
        except Exception as exc:
            record_error(span, exc)
            raise
        finally:
            span.end()
            otel_context.detach(token)
        return result

    async def publish_batch(self, batch: EnvelopeBatch, call_next: BatchNext) -> list[Any]:
        """One ``create`` and one ``publish`` span for the batch, as FastStream 0.5."""
        envelopes = batch.envelopes
        if not envelopes:
            return await call_next(batch)
        if len(envelopes) == 1:  # as 0.5: a batch of one is traced as one message

            async def send(envelope: Envelope) -> list[Any]:
                return await call_next(batch)

            result: list[Any] = await _PublishTracing.publish(self, envelopes[0], send)
            return result
        first = envelopes[0]
        name, create_name = self._name(first)
        attributes = {**self._base, DESTINATION: first.destination, BATCH_COUNT: len(envelopes)}
        if first.correlation_id:
            attributes[CONVERSATION_ID] = first.correlation_id
        extra = self._extra
        if extra is not None:
            extra(first, attributes)
        current = otel_context.get_current()
        # What every message carries: the context's baggage, the one given in the
        # headers, and the ``with_batch`` mark.
        marked = baggage.set_baggage(WITH_BATCH, True, _BAGGAGE.extract(first.headers, current))
        carrier: dict[str, str] = {}
        parent = self._sent(current, marked, attributes, create_name, carrier)
        for envelope in envelopes:
            envelope.headers.update(carrier)
        attributes[OPERATION] = "publish"
        attributes[OPERATION_TYPE] = "send"
        span = self.tracer.start_span(
            name, context=parent, kind=SpanKind.PRODUCER, attributes=attributes
        )
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        try:
            return await call_next(batch)
        except Exception as exc:
            record_error(span, exc)
            raise
        finally:
            span.end()
            otel_context.detach(token)


def _names(label: str) -> tuple[str, str]:
    return f"{label} publish", f"{label} create"


_REPLY_NAMES = _names(REPLY)


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

    async def publish_batch(self, batch: EnvelopeBatch, call_next: BatchNext) -> list[Any]:
        # One duration for the batch, its messages counted (FastStream 0.5's).
        meters = self._meters
        label = self._label.of_destination(batch.destination)
        attributes = {SYSTEM: self._system, DESTINATION: label}
        with Timing(meters.publish_duration, meters.publish_messages, attributes, len(batch)):
            return await super().publish_batch(batch, call_next)

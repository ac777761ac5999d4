"""TelemetryMiddleware's own W3C reading and writing: the same as the propagator's, or its path."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry import baggage, propagate, trace
from opentelemetry import context as otel_context
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased
from opentelemetry.trace import SpanContext, TraceFlags, TraceState
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from faststream_fastapi import Context
from faststream_fastapi.core.message import StreamMessage
from faststream_fastapi.nats import NatsBroker, TestNatsBroker
from faststream_fastapi.opentelemetry import TelemetryMiddleware

TRACE = "0af7651916cd43dd8448eb211c80319c"
SPAN = "b7ad6b7169203331"
#: Taken without the propagator: version 00, lower-case hex, nothing around it.
STRICT = [f"00-{TRACE}-{SPAN}-{flags}" for flags in ("00", "01", "02", "03", "ff")]
#: Everything else, which the propagator reads (or ignores) its own way.
OTHER = [
    f"00-{'0' * 32}-{SPAN}-01",  # all-zero trace id
    f"00-{TRACE}-{'0' * 16}-01",  # all-zero parent id
    f"00-{TRACE.upper()}-{SPAN}-01",
    f"00-{TRACE}-{SPAN}-0A",
    f" 00-{TRACE}-{SPAN}-01",
    f"00-{TRACE}-{SPAN}-01\t",
    f"00-{TRACE}-{SPAN}-01-extra",
    f"01-{TRACE}-{SPAN}-01",
    f"01-{TRACE}-{SPAN}-01-future-field",
    f"ff-{TRACE}-{SPAN}-01",
    f"00-{TRACE[1:]}-{SPAN}-01",
    f"00-{TRACE}-{SPAN}01",
    f"00_{TRACE}_{SPAN}_01",
    f"00-{TRACE}-{SPAN}-01" + " " * 600,
    "",
    "garbage",
]


def default_propagator() -> tuple[CompositePropagator, dict[str, int]]:
    """OpenTelemetry's default propagator, its calls counted on the instance."""
    propagator = CompositePropagator([TraceContextTextMapPropagator(), W3CBaggagePropagator()])
    calls = {"extract": 0, "inject": 0}
    extract, inject = propagator.extract, propagator.inject

    def counted_extract(*args: Any, **kwargs: Any) -> Any:
        calls["extract"] += 1
        return extract(*args, **kwargs)

    def counted_inject(*args: Any, **kwargs: Any) -> None:
        calls["inject"] += 1
        inject(*args, **kwargs)

    propagator.extract = counted_extract  # type: ignore[method-assign]
    propagator.inject = counted_inject  # type: ignore[method-assign]
    return propagator, calls


def seen(context: otel_context.Context) -> tuple[Any, ...]:
    """What a consumer gets from an extracted context: parent span context and baggage."""
    span_context = trace.get_current_span(context).get_span_context()
    return span_context, span_context.trace_state, dict(baggage.get_all(context)), len(context)


@pytest.mark.parametrize("extra", [{}, {"tracestate": "vendor=abc,other=1"}, {"baggage": "k=v"}])
@pytest.mark.parametrize("value", STRICT + OTHER)
def test_extract_matches_the_propagator(value: str, extra: dict[str, str]) -> None:
    propagator, calls = default_propagator()
    middleware = TelemetryMiddleware(propagator=propagator)
    headers = {"traceparent": value, "message-id": "1", **extra}
    got = middleware.extract(StreamMessage(b"{}", headers))
    fast = calls["extract"] == 0
    expected = TraceContextTextMapPropagator().extract(headers)
    expected = W3CBaggagePropagator().extract(headers, expected)
    assert seen(got) == seen(expected)
    # Only a strict traceparent on its own skips the propagator.
    assert fast is (value in STRICT and not extra)


def test_extract_reads_the_ids_and_flags() -> None:
    middleware = TelemetryMiddleware(propagator=default_propagator()[0])
    got = middleware.extract(StreamMessage(b"{}", {"traceparent": f"00-{TRACE}-{SPAN}-01"}))
    span_context = trace.get_current_span(got).get_span_context()
    assert (span_context.trace_id, span_context.span_id) == (int(TRACE, 16), int(SPAN, 16))
    assert span_context.trace_flags.sampled and span_context.is_remote


SPAN_CONTEXTS = [
    SpanContext(int(TRACE, 16), int(SPAN, 16), False, TraceFlags(0)),
    SpanContext(int(TRACE, 16), int(SPAN, 16), False, TraceFlags(1)),
    SpanContext(int(TRACE, 16), 1, False, TraceFlags(3)),
    SpanContext(1, int(SPAN, 16), False, TraceFlags(1), TraceState([("vendor", "abc")])),
    trace.INVALID_SPAN_CONTEXT,
    SpanContext(0, 5, False, TraceFlags(1)),  # not valid, yet not the invalid one
]


@pytest.mark.parametrize("with_baggage", [False, True])
@pytest.mark.parametrize("span_context", SPAN_CONTEXTS)
def test_inject_matches_the_propagator(span_context: SpanContext, with_baggage: bool) -> None:
    propagator, calls = default_propagator()
    middleware = TelemetryMiddleware(propagator=propagator)
    base = baggage.set_baggage("tenant", "acme a/b") if with_baggage else otel_context.Context()
    span = trace.NonRecordingSpan(span_context)
    context = trace.set_span_in_context(span, base)
    got: dict[str, str] = {"message-id": "1"}
    middleware.inject(got, span, context)
    expected: dict[str, str] = {"message-id": "1"}
    CompositePropagator([TraceContextTextMapPropagator(), W3CBaggagePropagator()]).inject(
        expected, context=context
    )
    assert got == expected
    plain = span_context.is_valid and not span_context.trace_state
    trivial = span_context is trace.INVALID_SPAN_CONTEXT
    assert (calls["inject"] == 0) is ((plain or trivial) and not with_baggage)


class _Marked(TraceContextTextMapPropagator):
    """A W3C propagator of one's own, which also marks what it writes and reads."""

    def extract(self, carrier: Any, context: Any = None, getter: Any = None) -> Any:
        extracted = super().extract(carrier, context)
        return baggage.set_baggage("marked", carrier.get("x-mark"), extracted)

    def inject(self, carrier: Any, context: Any = None, setter: Any = None) -> None:
        super().inject(carrier, context)
        carrier["x-mark"] = "yes"


async def roundtrip(middleware: TelemetryMiddleware) -> dict[str, Any]:
    """Publishes one message through a broker with ``middleware``; what the handler saw."""
    broker = NatsBroker(middlewares=[middleware], logger=None)
    seen: dict[str, Any] = {}

    @broker.subscriber("in")
    async def handle(n: int, headers: Any = Context("message.headers")) -> None:
        seen["headers"] = dict(headers)
        seen["span"] = trace.get_current_span().get_span_context()
        seen["baggage"] = dict(baggage.get_all())

    async with TestNatsBroker(broker) as br:
        await br.publish(1, "in")
    return seen


async def test_a_subclass_of_the_w3c_propagator_is_used_as_given(provider: TracerProvider) -> None:
    got = await roundtrip(TelemetryMiddleware(tracer_provider=provider, propagator=_Marked()))
    assert got["headers"]["x-mark"] == "yes"
    assert got["baggage"] == {"marked": "yes"}


async def test_a_global_propagator_set_later_applies(provider: TracerProvider) -> None:
    middleware = TelemetryMiddleware(tracer_provider=provider)
    before = propagate.get_global_textmap()
    propagate.set_global_textmap(_Marked())
    try:
        got = await roundtrip(middleware)
    finally:
        propagate.set_global_textmap(before)
    assert got["baggage"] == {"marked": "yes"}


async def test_tracestate_and_baggage_reach_the_consumer(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    remote = SpanContext(int(TRACE, 16), int(SPAN, 16), True, TraceFlags(1),
                         TraceState([("vendor", "abc")]))  # fmt: skip
    context = trace.set_span_in_context(trace.NonRecordingSpan(remote))
    token = otel_context.attach(baggage.set_baggage("tenant", "acme", context))
    try:
        got = await roundtrip(TelemetryMiddleware(tracer_provider=provider))
    finally:
        otel_context.detach(token)
    assert got["headers"]["tracestate"] == "vendor=abc"
    assert got["baggage"] == {"tenant": "acme"}
    (consumer,) = (s for s in exporter.get_finished_spans() if s.kind is trace.SpanKind.CONSUMER)
    assert consumer.context.trace_id == int(TRACE, 16)
    assert consumer.context.trace_state == TraceState([("vendor", "abc")])


async def test_an_unsampled_trace_stays_one_trace(exporter: InMemorySpanExporter) -> None:
    provider = TracerProvider(sampler=ParentBased(ALWAYS_OFF))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    got = await roundtrip(TelemetryMiddleware(tracer_provider=provider))
    provider.shutdown()
    version, trace_id, parent_id, flags = got["headers"]["traceparent"].split("-")
    assert version == "00" and not TraceFlags(int(flags, 16)).sampled
    # The handler runs in the consumer's own (unrecorded) span of the producer's trace.
    assert got["span"].trace_id == int(trace_id, 16)
    assert got["span"].span_id != int(parent_id, 16)
    assert got["span"].trace_flags == int(flags, 16)  # unsampled, and the random-id bit kept
    assert exporter.get_finished_spans() == ()

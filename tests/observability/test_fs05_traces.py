"""Span names, attributes and OpenTelemetry metrics by FastStream 0.5's names, in memory."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from fs05 import IN_MEMORY, KINDS, Kind, assert_05_spans, spans_of
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, get_current_span

from faststream_fastapi.opentelemetry import (
    Baggage,
    CurrentBaggage,
    CurrentSpan,
    TelemetryMiddleware,
)
from faststream_fastapi.rabbit import RabbitExchange


@IN_MEMORY
async def test_spans_carry_05s_names_and_attributes(
    kind: Kind, provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    broker = kind.broker(kind.telemetry(tracer_provider=provider))

    @broker.subscriber(name)
    async def handle(n: int) -> None: ...

    extra = {"key": b"k"} if kind.system == "kafka" else {}
    async with kind.tester(broker) as br:
        await br.publish(12, name, correlation_id="c-1", **extra)
    assert_05_spans(kind, spans_of(exporter), name, b"12", id_given=False)


async def test_rabbit_spans_name_the_exchange(
    provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    kind = KINDS["rabbit"]
    broker = kind.broker(TelemetryMiddleware(tracer_provider=provider))
    exchange = RabbitExchange(f"ex-{name}")

    @broker.subscriber(name, exchange)
    async def handle(n: int) -> None: ...

    async with kind.tester(broker) as br:
        await br.publish(1, name, exchange)
    spans = spans_of(exporter)
    assert spans[SpanKind.PRODUCER].name == f"ex-{name}.{name} publish"
    assert spans[SpanKind.CONSUMER].name == f"ex-{name}.{name} process"
    assert (spans[SpanKind.PRODUCER].attributes or {})["messaging.destination.name"] == f"ex-{name}"
    consumer = spans[SpanKind.CONSUMER].attributes or {}
    assert consumer["messaging.destination_publish.name"] == f"ex-{name}"


def points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    data = reader.get_metrics_data()
    assert data is not None
    return {
        m.name: list(m.data.data_points)
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
    }


@IN_MEMORY
async def test_a_meter_provider_records_05s_metrics(kind: Kind, name: str) -> None:
    reader = InMemoryMetricReader()
    broker = kind.broker(kind.telemetry(meter_provider=MeterProvider(metric_readers=[reader])))

    @broker.subscriber(name)
    async def handle(n: int) -> None:
        if n == 2:
            raise ValueError(n)

    async with kind.tester(broker) as br:
        await br.publish(1, name)
        with contextlib.suppress(ValueError):
            await br.publish(2, name)
    got = points(reader)
    process = got["messaging.process.duration"]
    assert sum(p.count for p in process) == 2
    errors = [p for p in process if p.attributes.get("error.type") == "ValueError"]
    assert len(errors) == 1
    assert errors[0].attributes["messaging.system"] == kind.system
    assert errors[0].attributes["messaging.destination_publish.name"] == kind.handler(name)
    assert sum(p.count for p in got["messaging.publish.duration"]) == 2
    counted = kind.system != "rabbitmq"  # as in 0.5: RabbitMQ's counts no messages
    assert ("messaging.process.messages" in got) is counted
    assert ("messaging.publish.messages" in got) is counted
    if counted:
        assert sum(p.value for p in got["messaging.process.messages"]) == 2
        assert sum(p.value for p in got["messaging.publish.messages"]) == 2


async def test_without_a_meter_nothing_is_timed(name: str) -> None:
    middleware = KINDS["redis"].telemetry()
    assert middleware.meters is None
    assert TelemetryMiddleware(include_messages_counters=True).meters is None


@pytest.mark.parametrize("module", ["kafka", "confluent", "nats", "rabbit", "redis"])
def test_every_broker_has_its_05_import_path(module: str) -> None:
    middleware = KINDS[module].telemetry()
    assert isinstance(middleware, TelemetryMiddleware)
    assert type(middleware).__name__ == f"{KINDS[module].prefix}TelemetryMiddleware"


async def test_handlers_get_the_span_and_the_baggage(
    provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    kind = KINDS["nats"]
    broker = kind.broker(kind.telemetry(tracer_provider=provider))
    got: dict[str, Any] = {}

    @broker.subscriber(name)
    @broker.publisher(name + ".next")
    async def first(n: int, span: CurrentSpan, baggage: CurrentBaggage) -> int:
        got["same span"] = span is get_current_span()
        got["first"] = baggage.get_all()
        baggage.set("step", "2")
        baggage.remove("tenant")
        return n

    @broker.subscriber(name + ".next")
    async def second(n: int, baggage: CurrentBaggage) -> None:
        got["second"] = baggage.get_all()

    async with kind.tester(broker) as br:
        await br.publish(1, name, headers=Baggage({"tenant": "acme"}).to_headers())
    assert got == {"same span": True, "first": {"tenant": "acme"}, "second": {"step": "2"}}
    headers = Baggage({"a": "1", "b": "2"}).to_headers()
    assert Baggage.from_headers(headers).get_all() == {"a": "1", "b": "2"}
    cleared = Baggage({"a": "1"})
    cleared.clear()
    assert cleared.get_all() == {} and cleared.get_all_batch() == []

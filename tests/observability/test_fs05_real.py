"""FastStream 0.5's metric labels and span names through each real broker."""

from __future__ import annotations

import asyncio

from fs05 import REAL, Kind, assert_05_spans, sample, spans_of
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client import CollectorRegistry

from support import until


@REAL
async def test_labels_and_spans_through_the_real_broker(
    kind: Kind, provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    registry = CollectorRegistry()
    broker = kind.broker(
        kind.telemetry(tracer_provider=provider),
        kind.prometheus(registry=registry, app_name="real"),
        real=True,
    )
    done = asyncio.Event()
    kafka = kind.system == "kafka"
    options = {"auto_offset_reset": "earliest"} if kafka else {}

    @broker.subscriber(name, **options)
    async def handle(n: int) -> None:
        done.set()

    async with broker:
        await broker.start()
        extra = {"key": b"k"} if kafka else {}
        headers = {"message_id": "m-1"}
        await broker.publish(12, name, correlation_id="c-1", headers=headers, **extra)
        await asyncio.wait_for(done.wait(), 30 if kafka else 10)
        consume = {"app_name": "real", "broker": kind.system, "handler": kind.handler(name)}
        processed = "faststream_received_processed_messages_total"
        await until(
            lambda: sample(registry, processed, status="acked", **consume) == 1, 5, processed
        )
        await until(lambda: SpanKind.CONSUMER in spans_of(exporter), 5, "the consumer span")
    assert sample(registry, "faststream_received_messages_total", **consume) == 1
    count = "faststream_received_processed_messages_duration_seconds_count"
    assert sample(registry, count, **consume) == 1
    published = {"app_name": "real", "broker": kind.system, "destination": kind.handler(name)}
    assert sample(registry, "faststream_published_messages_total", status="success", **published)
    assert_05_spans(kind, spans_of(exporter), name, b"12", id_given=True, real=True)

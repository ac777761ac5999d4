"""What the batch-publish observability tests share: the brokers with ``publish_batch``
(Kafka through aiokafka and confluent-kafka, Redis lists), and how each declares a
batch subscriber and publishes a batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fs05 import KINDS, MARKS, Kind
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from faststream_fastapi.redis import ListSub

BATCHING = ["kafka", "confluent", "redis"]
#: Each broker with ``publish_batch``, in memory.
IN_MEMORY = pytest.mark.parametrize("kind", [KINDS[k] for k in BATCHING], ids=BATCHING)
#: Each, on its real broker.
REAL = pytest.mark.parametrize(
    "kind",
    [pytest.param(KINDS[k], marks=getattr(pytest.mark, MARKS.get(k, k)), id=k) for k in BATCHING],
)


def subscribe(
    kind: Kind, broker: Any, name: str, *, batch: bool, real: bool = False
) -> Callable[[Any], Any]:
    """``broker``'s subscriber decorator for ``name``, a batch one with ``batch``."""
    if kind.module == "redis":
        return (
            broker.subscriber(list=ListSub(name, batch=batch))
            if batch
            else broker.subscriber(list=name)
        )
    options: dict[str, Any] = {"auto_offset_reset": "earliest"} if real else {}
    return broker.subscriber(name, batch=batch, **options)


async def publish_batch(kind: Kind, broker: Any, name: str, *bodies: Any, **options: Any) -> Any:
    if kind.module == "redis":
        return await broker.publish_batch(*bodies, list=name, **options)
    return await broker.publish_batch(*bodies, topic=name, **options)


async def publish(kind: Kind, broker: Any, name: str, body: Any, **options: Any) -> Any:
    if kind.module == "redis":
        return await broker.publish(body, list=name, **options)
    return await broker.publish(body, name, **options)


def ordered(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return sorted(exporter.get_finished_spans(), key=lambda s: s.start_time or 0)


def named(spans: list[ReadableSpan], suffix: str, producer: bool) -> list[ReadableSpan]:
    """The spans ending in ``suffix`` (``create``, ``publish``, ``process``) of one side."""
    return [
        s
        for s in spans
        if s.name.endswith(f" {suffix}") and (s.kind.name == "PRODUCER") is producer
    ]


def points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    data = reader.get_metrics_data()
    assert data is not None
    return {
        m.name: list(m.data.data_points)
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
    }

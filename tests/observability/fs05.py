"""What the FastStream 0.5 naming tests share: each broker kind, its classes and names."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client import CollectorRegistry


@dataclass(frozen=True)
class Kind:
    """One broker kind as the 0.5-named middlewares see it."""

    module: str  # faststream_fastapi.<module>
    prefix: str  # Kafka, Nats, Rabbit, Redis
    system: str  # the ``broker`` label and ``messaging.system``
    url: str

    def attr(self, name: str) -> Any:
        return getattr(importlib.import_module(f"faststream_fastapi.{self.module}"), name)

    def broker(self, *middlewares: Any, real: bool = False) -> Any:
        cls = self.attr(f"{self.prefix}Broker")
        return (
            cls(self.url, middlewares=list(middlewares), logger=None)
            if real
            else cls(middlewares=list(middlewares), logger=None)
        )

    def tester(self, broker: Any) -> Any:
        return self.attr(f"Test{self.prefix}Broker")(broker)

    def prometheus(self, **kw: Any) -> Any:
        module = importlib.import_module(f"faststream_fastapi.{self.module}.prometheus")
        return getattr(module, f"{self.prefix}PrometheusMiddleware")(**kw)

    def telemetry(self, **kw: Any) -> Any:
        module = importlib.import_module(f"faststream_fastapi.{self.module}.opentelemetry")
        return getattr(module, f"{self.prefix}TelemetryMiddleware")(**kw)

    def handler(self, queue: str) -> str:
        """The ``handler`` label and span destination of a subscriber to ``queue``."""
        return f"default.{queue}" if self.module == "rabbit" else queue


KINDS = {
    "kafka": Kind("kafka", "Kafka", "kafka", "127.0.0.1:9092"),
    "confluent": Kind("confluent", "Kafka", "kafka", "127.0.0.1:9092"),
    "nats": Kind("nats", "Nats", "nats", "nats://127.0.0.1:4222"),
    "rabbit": Kind("rabbit", "Rabbit", "rabbitmq", "amqp://guest:guest@127.0.0.1:5672/"),
    "redis": Kind("redis", "Redis", "redis", "redis://127.0.0.1:6379"),
}
MARKS = {"kafka": "kafka", "confluent": "kafka", "nats": "nats", "rabbit": "rabbit"}

#: Every kind, in memory (no marker).
IN_MEMORY = pytest.mark.parametrize("kind", [KINDS[k] for k in KINDS], ids=list(KINDS))
#: Every kind, on its real broker (its marker).
REAL = pytest.mark.parametrize(
    "kind",
    [pytest.param(KINDS[k], marks=getattr(pytest.mark, MARKS.get(k, k)), id=k) for k in KINDS],
)


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    """A sample's value, its labels given in full (``app_name`` defaulting to ``faststream``)."""
    value: float | None = registry.get_sample_value(name, {"app_name": "faststream", **labels})
    return value


def label_names(registry: CollectorRegistry) -> dict[str, tuple[str, ...]]:
    """Each family's name → the label names of its first sample (``le`` left out)."""
    out = {}
    for family in registry.collect():
        for s in family.samples:
            if s.name.endswith(("_created", "_sum", "_count")):
                continue
            out.setdefault(s.name, tuple(k for k in s.labels if k != "le"))
    return out


def spans_of(exporter: InMemorySpanExporter) -> dict[SpanKind, ReadableSpan]:
    """The publish and process spans by kind (``create`` spans left out)."""
    return {s.kind: s for s in exporter.get_finished_spans() if not s.name.endswith(" create")}


def assert_05_spans(
    kind: Kind,
    spans: dict[SpanKind, ReadableSpan],
    name: str,
    body: bytes,
    id_given: bool,
    real: bool = False,
) -> None:
    """The attributes FastStream 0.5 sets on a publish and a process span.

    A message id is Kafka's position, RabbitMQ's property, else the one the
    publisher gave (``id_given``): NATS and Redis messages carry none otherwise.
    """
    producer, consumer = spans[SpanKind.PRODUCER], spans[SpanKind.CONSUMER]
    label = kind.handler(name)
    assert producer.name == f"{label} publish"
    assert consumer.name == f"{label} process"
    p, c = dict(producer.attributes or {}), dict(consumer.attributes or {})
    assert p["messaging.system"] == c["messaging.system"] == kind.system
    assert p["messaging.operation"] == "publish"
    assert c["messaging.operation"] == "process"
    assert p["messaging.message.conversation_id"] == c["messaging.message.conversation_id"] == "c-1"
    if kind.system in ("kafka", "rabbitmq") or id_given:
        assert c["messaging.message.id"]
    assert (
        c["messaging.message.payload_size_bytes"] == c["messaging.message.body.size"] == len(body)
    )
    if kind.system == "rabbitmq":
        assert p["messaging.destination.name"] == ""  # the default exchange
        assert c["messaging.destination_publish.name"] == ""
        assert p["messaging.rabbitmq.destination.routing_key"] == name
        assert c["messaging.rabbitmq.destination.routing_key"] == name
        # The server's delivery tag; a message in memory has none.
        tag = c.get("messaging.rabbitmq.message.delivery_tag")
        assert tag >= 1 if real else tag is None
    else:
        assert p["messaging.destination.name"] == name
        assert c["messaging.destination_publish.name"] == name
    if kind.system == "kafka":
        assert c["messaging.kafka.destination.partition"] >= 0
        assert c["messaging.kafka.message.offset"] >= 0
        assert p["messaging.kafka.message.key"] == c["messaging.kafka.message.key"] == "k"
    # Both under the message's ``create`` span, as in FastStream 0.5.
    assert producer.parent is not None and consumer.parent is not None
    assert consumer.parent.span_id == producer.parent.span_id

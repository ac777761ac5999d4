"""Prometheus families, labels and constructors by FastStream 0.5's names, on every test broker."""

from __future__ import annotations

import contextlib
import importlib
from typing import Any

import pytest
from fs05 import IN_MEMORY, KINDS, Kind, label_names, sample
from prometheus_client import CollectorRegistry

from faststream_fastapi.prometheus import PrometheusMiddleware
from faststream_fastapi.rabbit import RabbitExchange

CONSUME = ("app_name", "broker", "handler")
PUBLISH = ("app_name", "broker", "destination")
FAMILIES = {
    "faststream_received_messages_total": CONSUME,
    "faststream_received_messages_size_bytes_bucket": CONSUME,
    "faststream_received_messages_in_process": CONSUME,
    "faststream_received_processed_messages_total": (*CONSUME, "status"),
    "faststream_received_processed_messages_duration_seconds_bucket": CONSUME,
    "faststream_received_processed_messages_exceptions_total": (*CONSUME, "exception_type"),
    "faststream_published_messages_total": (*PUBLISH, "status"),
    "faststream_published_messages_duration_seconds_bucket": PUBLISH,
    "faststream_published_messages_exceptions_total": (*PUBLISH, "exception_type"),
    "faststream_published_messages_size_bytes_bucket": PUBLISH,
}


async def exercise(kind: Kind, registry: CollectorRegistry, name: str) -> list[Any]:
    """One message handled, one raising ``KeyError``; the in-process gauge seen inside."""
    broker = kind.broker(kind.prometheus(registry=registry))
    seen: list[Any] = []
    labels = {"broker": kind.system, "handler": kind.handler(name)}

    @broker.subscriber(name)
    async def handle(n: int) -> None:
        seen.append(sample(registry, "faststream_received_messages_in_process", **labels))
        if n == 22:
            raise KeyError(n)

    async with kind.tester(broker) as br:
        await br.publish(1, name)
        with contextlib.suppress(KeyError):  # in memory, the handler's error fails the publish
            await br.publish(22, name)
    return seen


@IN_MEMORY
async def test_every_family_and_label_by_its_05_name(kind: Kind, name: str) -> None:
    registry = CollectorRegistry()
    seen = await exercise(kind, registry, name)
    names = label_names(registry)
    for family, labels in FAMILIES.items():
        assert names.get(family) == labels, family
    consume = {"broker": kind.system, "handler": kind.handler(name)}
    publish = {"broker": kind.system, "destination": kind.handler(name)}
    assert sample(registry, "faststream_received_messages_total", **consume) == 2
    assert sample(registry, "faststream_received_messages_size_bytes_count", **consume) == 2
    assert sample(registry, "faststream_received_messages_size_bytes_sum", **consume) == 3
    assert seen == [1.0, 1.0]
    assert sample(registry, "faststream_received_messages_in_process", **consume) == 0
    processed = "faststream_received_processed_messages_total"
    assert sample(registry, processed, status="acked", **consume) == 1
    statuses = ("nacked", "rejected", "error")
    assert sum(sample(registry, processed, status=s, **consume) or 0 for s in statuses) == 1
    count = "faststream_received_processed_messages_duration_seconds_count"
    assert sample(registry, count, **consume) == 2
    exceptions = "faststream_received_processed_messages_exceptions_total"
    assert sample(registry, exceptions, exception_type="KeyError", **consume) == 1
    published = "faststream_published_messages_total"
    ok = sample(registry, published, status="success", **publish) or 0
    failed = sample(registry, published, status="error", **publish) or 0
    assert ok + failed == 2
    failures = "faststream_published_messages_exceptions_total"
    assert (sample(registry, failures, exception_type="KeyError", **publish) or 0) == failed
    assert sample(registry, "faststream_published_messages_duration_seconds_count", **publish) == 2


@IN_MEMORY
async def test_the_05_keywords_name_the_app_the_prefix_and_the_size_buckets(
    kind: Kind, name: str
) -> None:
    registry = CollectorRegistry()
    middleware = kind.prometheus(
        registry=registry,
        app_name="shop",
        metrics_prefix="fs",
        received_messages_size_buckets=[1.0, 2.0, 3.0],
    )
    assert isinstance(middleware, PrometheusMiddleware)
    broker = kind.broker(middleware)

    @broker.subscriber(name)
    async def handle(text: str) -> None: ...

    async with kind.tester(broker) as br:
        await br.publish("ab", name)
    labels = {"app_name": "shop", "broker": kind.system, "handler": kind.handler(name)}
    assert sample(registry, "fs_received_messages_total", **labels) == 1
    bounds = {
        s.labels["le"]: s.value
        for family in registry.collect()
        for s in family.samples
        if s.name == "fs_received_messages_size_bytes_bucket"
    }
    assert bounds == {"1.0": 0, "2.0": 1, "3.0": 1, "+Inf": 1}


async def test_app_name_defaults_to_the_prefix_and_the_buckets_to_05s(name: str) -> None:
    kind = KINDS["redis"]
    registry = CollectorRegistry()
    broker = kind.broker(kind.prometheus(registry=registry, metrics_prefix="svc"))

    @broker.subscriber(name)
    async def handle(n: int) -> None: ...

    async with kind.tester(broker) as br:
        await br.publish(1, name)

    def bounds(metric: str) -> list[str]:
        return [s.labels["le"] for f in registry.collect() for s in f.samples if s.name == metric]

    labels = {"app_name": "svc", "broker": "redis", "handler": name}
    assert registry.get_sample_value("svc_received_messages_total", labels) == 1
    sizes = [f"{2.0**n}" if 2.0**n < 1e6 else f"{2.0**n:.7e}" for n in range(4, 25, 2)]
    assert bounds("svc_received_messages_size_bytes_bucket")[:3] == sizes[:3]
    assert len(bounds("svc_received_messages_size_bytes_bucket")) == 12  # 11 and +Inf
    durations = bounds("svc_received_processed_messages_duration_seconds_bucket")
    assert durations[0] == "0.005" and durations[-2:] == ["10.0", "+Inf"]


async def test_the_generic_middleware_takes_an_app_name(name: str) -> None:
    kind = KINDS["nats"]
    registry = CollectorRegistry()
    broker = kind.broker(PrometheusMiddleware(registry=registry, app_name="billing"))

    @broker.subscriber(name)
    async def handle(n: int) -> None: ...

    async with kind.tester(broker) as br:
        await br.publish(1, name)
    labels = {"app_name": "billing", "broker": "nats", "handler": name}
    assert registry.get_sample_value("faststream_received_messages_total", labels) == 1


async def test_rabbit_labels_name_the_exchange(name: str) -> None:
    kind = KINDS["rabbit"]
    registry = CollectorRegistry()
    broker = kind.broker(kind.prometheus(registry=registry))
    exchange = RabbitExchange(f"ex-{name}")

    @broker.subscriber(name, exchange)
    async def handle(n: int) -> None: ...

    async with kind.tester(broker) as br:
        await br.publish(1, name, exchange)
        await br.publish(2, name, exchange)
    consume = {"broker": "rabbitmq", "handler": f"ex-{name}.{name}"}
    assert sample(registry, "faststream_received_messages_total", **consume) == 2
    publish = {"broker": "rabbitmq", "destination": f"ex-{name}.{name}", "status": "success"}
    assert sample(registry, "faststream_published_messages_total", **publish) == 2


@pytest.mark.parametrize("module", ["kafka", "confluent"])
def test_both_kafka_clients_are_the_kafka_system(module: str) -> None:
    assert KINDS[module].system == "kafka"
    middleware = KINDS[module].prometheus(registry=CollectorRegistry())
    assert type(middleware).__name__ == "KafkaPrometheusMiddleware"


async def test_steering_a_message_by_exception_is_no_error(name: str) -> None:
    from faststream_fastapi.exceptions import RejectMessage

    kind = KINDS["redis"]
    registry = CollectorRegistry()
    broker = kind.broker(kind.prometheus(registry=registry))

    @broker.subscriber(name)
    async def handle(n: int) -> None:
        raise RejectMessage

    async with kind.tester(broker) as br:
        with contextlib.suppress(RejectMessage):
            await br.publish(1, name)
    consume = {"broker": "redis", "handler": name}
    processed = "faststream_received_processed_messages_total"
    assert sample(registry, processed, status="rejected", **consume) == 1
    exceptions = "faststream_received_processed_messages_exceptions_total"
    assert sample(registry, exceptions, exception_type="RejectMessage", **consume) is None


@IN_MEMORY
def test_0_5s_import_paths_name_the_same_classes(kind: Kind) -> None:
    for package, suffix in (
        ("prometheus", "PrometheusMiddleware"),
        ("opentelemetry", "TelemetryMiddleware"),
    ):
        top = importlib.import_module(f"faststream_fastapi.{kind.module}.{package}")
        inner = importlib.import_module(f"faststream_fastapi.{kind.module}.{package}.middleware")
        name = f"{kind.prefix}{suffix}"
        assert getattr(top, name) is getattr(inner, name)


async def test_the_status_labels_by_0_5s_enum_names(name: str) -> None:
    from faststream_fastapi.prometheus.types import ProcessingStatus, PublishingStatus

    kind = KINDS["redis"]
    registry = CollectorRegistry()
    broker = kind.broker(kind.prometheus(registry=registry))

    @broker.subscriber(name)
    async def handle(n: int) -> None:
        if n:
            raise ValueError(n)

    async with kind.tester(broker) as br:
        await br.publish(0, name)
        with contextlib.suppress(ValueError):
            await br.publish(1, name)
    consume = {"broker": "redis", "handler": name}
    processed = "faststream_received_processed_messages_total"
    assert sample(registry, processed, status=ProcessingStatus.acked.value, **consume) == 1
    failed = ("nacked", "rejected", "error")
    assert sum(sample(registry, processed, status=s, **consume) or 0 for s in failed) == 1
    assert set(failed) < {s.value for s in ProcessingStatus}
    published = {"broker": "redis", "destination": name, "status": PublishingStatus.success.value}
    assert sample(registry, "faststream_published_messages_total", **published)
    assert [s.value for s in ProcessingStatus] == [
        "acked",
        "nacked",
        "rejected",
        "skipped",
        "error",
    ]

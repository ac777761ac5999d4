"""A batch through the middleware chain once: Prometheus counts its messages and times
it once, a ``BaseMiddleware``'s ``publish_scope`` sees every body in one call (as 0.5),
a middleware wrapping ``publish`` only still sees each message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from batching import IN_MEMORY, REAL, named, ordered, publish_batch, subscribe
from fs05 import KINDS, Kind, sample
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

from faststream_fastapi import BaseMiddleware
from faststream_fastapi.core.errors import PublishError
from faststream_fastapi.core.message import Envelope, EnvelopeBatch, StreamMessage
from faststream_fastapi.core.middleware import BatchNext, Middleware, PublishNext
from faststream_fastapi.prometheus.middleware import DURATION_BUCKETS, SIZE_BUCKETS
from faststream_fastapi.prometheus.multiprocess import ClientMetrics
from support import until

PUBLISHED = "faststream_published_messages_total"
DURATIONS = "faststream_published_messages_duration_seconds_count"
SIZES = "faststream_published_messages_size_bytes_count"


def publish_labels(kind: Kind, name: str) -> dict[str, str]:
    return {"broker": kind.system, "destination": name}


@IN_MEMORY
async def test_prometheus_counts_a_batch_s_messages_and_times_it_once(
    kind: Kind, name: str
) -> None:
    registry = CollectorRegistry()
    broker = kind.broker(kind.prometheus(registry=registry))
    got: list[Any] = []

    @subscribe(kind, broker, name, batch=True)
    async def handle(items: list[int]) -> None:
        got.append(items)

    async with kind.tester(broker) as br:
        await publish_batch(kind, br, name, 1, 2, 3)
        await publish_batch(kind, br, name, 4)
    assert got == [[1, 2, 3], [4]]
    labels = publish_labels(kind, name)
    assert sample(registry, PUBLISHED, status="success", **labels) == 4
    assert sample(registry, PUBLISHED, status="error", **labels) == 0
    assert sample(registry, DURATIONS, **labels) == 2
    assert sample(registry, SIZES, **labels) == 4
    # The consumer's side alike: each message counted, each batch sized and timed once.
    consume = {"broker": kind.system, "handler": name}
    assert sample(registry, "faststream_received_messages_total", **consume) == 4
    processed = "faststream_received_processed_messages_total"
    assert sample(registry, processed, status="acked", **consume) == 4
    assert sample(registry, "faststream_received_messages_in_process", **consume) == 0
    assert sample(registry, "faststream_received_messages_size_bytes_count", **consume) == 2
    timed = "faststream_received_processed_messages_duration_seconds_count"
    assert sample(registry, timed, **consume) == 2


async def test_a_failed_batch_counts_each_of_its_messages(name: str) -> None:
    kind = KINDS["redis"]
    registry = CollectorRegistry()
    broker = kind.broker(kind.prometheus(registry=registry))

    @subscribe(kind, broker, name, batch=True)
    async def handle(items: list[int]) -> None:
        raise ValueError("no")

    async with kind.tester(broker) as br:
        with pytest.raises(ValueError):
            await publish_batch(kind, br, name, 1, 2)
    consume = {"broker": kind.system, "handler": name}
    assert sample(registry, "faststream_received_messages_total", **consume) == 2
    processed = "faststream_received_processed_messages_total"
    statuses = ("acked", "nacked", "rejected", "error", "unsettled")
    ended = {s: sample(registry, processed, status=s, **consume) for s in statuses}
    assert sum(v or 0 for v in ended.values()) == 2 and not ended["acked"]
    assert sample(registry, "faststream_received_messages_in_process", **consume) == 0
    failures = "faststream_received_processed_messages_exceptions_total"
    assert sample(registry, failures, exception_type="ValueError", **consume) == 1


def test_client_metrics_count_a_batch_s_messages() -> None:
    # The series ``PROMETHEUS_MULTIPROC_DIR`` selects, on a plain registry here.
    registry = CollectorRegistry()
    metrics = ClientMetrics(registry, "b", DURATION_BUCKETS, SIZE_BUCKETS)
    consume = metrics.consume_series("app", "kafka", "t")
    consume.receive(30, 3)
    consume.finish("acked", 0.01, 3)
    publish = metrics.publish_series("app", "kafka", "t")
    publish.sent(10)
    publish.succeeded(0.01, 3)
    publish.failed(0.01, "PublishError", 2)
    labels = {"app_name": "app", "broker": "kafka"}
    got = registry.get_sample_value
    assert got("b_received_messages_total", {**labels, "handler": "t"}) == 3
    assert got("b_received_messages_in_process", {**labels, "handler": "t"}) == 0
    assert (
        got("b_received_processed_messages_total", {**labels, "handler": "t", "status": "acked"})
        == 3
    )
    assert got("b_received_messages_size_bytes_count", {**labels, "handler": "t"}) == 1
    published = {**labels, "destination": "t"}
    assert got("b_published_messages_total", {**published, "status": "success"}) == 3
    assert got("b_published_messages_total", {**published, "status": "error"}) == 2
    assert got("b_published_messages_duration_seconds_count", published) == 2


class Refusing(Middleware):
    """Fails every batch, where the broker would."""

    async def publish_batch(self, batch: EnvelopeBatch, call_next: BatchNext) -> list[Any]:
        raise PublishError("refused")


async def test_a_failed_batch_counts_each_message_as_an_error(name: str) -> None:
    kind = KINDS["kafka"]
    registry = CollectorRegistry()
    broker = kind.broker(kind.prometheus(registry=registry), Refusing())

    async with kind.tester(broker) as br:
        with pytest.raises(PublishError):
            await br.publish_batch(1, 2, topic=name)
    labels = publish_labels(kind, name)
    assert sample(registry, PUBLISHED, status="error", **labels) == 2
    assert sample(registry, PUBLISHED, status="success", **labels) == 0
    assert sample(registry, DURATIONS, **labels) == 1
    failures = "faststream_published_messages_exceptions_total"
    assert sample(registry, failures, exception_type="PublishError", **labels) == 1


@REAL
async def test_prometheus_and_spans_of_a_batch_on_the_real_broker(
    kind: Kind, provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    registry = CollectorRegistry()
    broker = kind.broker(
        kind.prometheus(registry=registry),
        kind.telemetry(tracer_provider=provider),
        real=True,
    )
    got: list[Any] = []

    @subscribe(kind, broker, name, batch=False, real=True)
    async def handle(item: int) -> None:
        got.append(item)

    async with broker:
        await broker.start()
        await publish_batch(kind, broker, name, 1, 2, 3)
        await until(lambda: len(got) == 3, 30 if kind.system == "kafka" else 10, "3 messages")
        await until(lambda: len(exporter.get_finished_spans()) == 8, 5, "8 spans")
    assert sorted(got) == [1, 2, 3]
    labels = publish_labels(kind, name)
    assert sample(registry, PUBLISHED, status="success", **labels) == 3
    assert sample(registry, DURATIONS, **labels) == 1
    spans = ordered(exporter)
    assert len(named(spans, "publish", producer=True)) == 1
    assert len(named(spans, "process", producer=False)) == 3


class Scoped(BaseMiddleware):
    """Records each ``publish_scope`` call; doubles the first body, tags the headers."""

    calls: list[tuple[Any, ...]] = []

    async def publish_scope(
        self, call_next: Callable[..., Awaitable[Any]], msg: Any, *args: Any, **kwargs: Any
    ) -> Any:
        Scoped.calls.append((msg, *args))
        kwargs["headers"] = {**kwargs["headers"], "x-tag": "t"}
        return await call_next(msg * 2, *args, **kwargs)


@IN_MEMORY
async def test_publish_scope_sees_a_batch_once_with_every_body(kind: Kind, name: str) -> None:
    Scoped.calls = []
    broker = kind.broker(Scoped)
    got: list[Any] = []

    @subscribe(kind, broker, name, batch=False)
    async def handle(item: Any, message: StreamMessage) -> None:
        got.append((item, message.headers.get("x-tag"), message.content_type))

    async with kind.tester(broker) as br:
        await publish_batch(kind, br, name, 2, "b", b"c")
    assert Scoped.calls == [(2, "b", b"c")]
    # The first body changed (encoded again); the headers the scope passed on go
    # with every message, each keeping its own content type.
    assert got == [
        (4, "t", "application/json"),
        ("b", "t", "text/plain"),
        (b"c", "t", "application/octet-stream"),
    ]


@REAL
async def test_publish_scope_sees_a_batch_once_on_the_real_broker(kind: Kind, name: str) -> None:
    Scoped.calls = []
    broker = kind.broker(Scoped, real=True)
    got: list[Any] = []

    @subscribe(kind, broker, name, batch=True, real=True)
    async def handle(items: list[Any], message: StreamMessage) -> None:
        got.extend(items)
        got.extend(h.get("x-tag") for h in message.batch_headers)

    async with broker:
        await broker.start()
        await publish_batch(kind, broker, name, 2, "b")
        await until(lambda: len(got) == 4, 30 if kind.system == "kafka" else 10, "the batch")
    assert Scoped.calls == [(2, "b")]
    assert sorted(map(str, got)) == ["4", "b", "t", "t"]


class Counting(Middleware):
    """Wraps ``publish`` only: a batch reaches it message by message."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    async def publish(self, envelope: Envelope, call_next: PublishNext) -> Any:
        self.seen.append(envelope.body)
        envelope.headers["x-seen"] = "1"
        return await call_next(envelope)


@IN_MEMORY
async def test_a_middleware_wrapping_publish_only_still_sees_each_message(
    kind: Kind, provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    counting = Counting()
    broker = kind.broker(kind.telemetry(tracer_provider=provider), counting)
    got: list[Any] = []

    @subscribe(kind, broker, name, batch=False)
    async def handle(item: int) -> None:
        got.append(item)

    async with kind.tester(broker) as br:
        await publish_batch(kind, br, name, 1, 2)
    assert counting.seen == [b"1", b"2"]
    assert got == [1, 2]
    # Message by message through the whole chain: a publish span each.
    assert len(named(ordered(exporter), "publish", producer=True)) == 2


class BatchCounting(Middleware):
    """Wraps ``publish_batch`` too: sees the batch once."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    async def publish(self, envelope: Envelope, call_next: PublishNext) -> Any:
        self.batches.append(1)
        return await call_next(envelope)

    async def publish_batch(self, batch: EnvelopeBatch, call_next: BatchNext) -> list[Any]:
        self.batches.append(len(batch))
        return await call_next(batch)


async def test_a_batch_publisher_s_own_middlewares_see_its_batch(name: str) -> None:
    kind = KINDS["kafka"]
    own = BatchCounting()
    broker = kind.broker()
    publisher = broker.publisher(name, batch=True, middlewares=[own])
    got: list[Any] = []

    @broker.subscriber(name, batch=True)
    async def handle(items: list[int]) -> None:
        got.append(items)

    async with kind.tester(broker):
        await publisher.publish(1, 2, 3)
        assert await broker.publish_batch(topic=name) == []
    assert own.batches == [3]
    assert got == [[1, 2, 3]]

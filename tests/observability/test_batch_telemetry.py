"""A batch through ``TelemetryMiddleware`` as FastStream 0.5 traces it: one ``create``
and one ``publish`` span for a ``publish_batch``, each message marked ``with_batch``;
a consumed batch's baggage merged, and each item's in ``Baggage.get_all_batch()``."""

from __future__ import annotations

import asyncio
from typing import Any

from batching import IN_MEMORY, REAL, named, ordered, points, publish, publish_batch, subscribe
from fs05 import KINDS, Kind
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from faststream_fastapi.core.batch import batch_of
from faststream_fastapi.core.message import StreamMessage
from faststream_fastapi.opentelemetry import Baggage, CurrentBaggage
from faststream_fastapi.opentelemetry.consts import WITH_BATCH
from support import until

BATCH_COUNT = "messaging.batch.message_count"


def assert_one_publish(kind: Kind, spans: list[ReadableSpan], name: str, count: int) -> None:
    """The producer side of a batch: one ``create``, one ``publish`` under it."""
    (create,) = named(spans, "create", producer=True)
    (publish,) = named(spans, "publish", producer=True)
    assert create.name == f"{name} create" and publish.name == f"{name} publish"
    assert publish.parent is not None and publish.parent.span_id == create.context.span_id
    for span in (create, publish):
        assert (span.attributes or {})[BATCH_COUNT] == count
        assert (span.attributes or {})["messaging.destination.name"] == name
        assert (span.attributes or {})["messaging.system"] == kind.system
    assert "messaging.message.body.size" not in (publish.attributes or {})


def assert_linked_to(spans: list[ReadableSpan], create: ReadableSpan) -> None:
    """Each consumer ``create`` span starts a trace linked to the producer's ``create``."""
    for span in spans:
        assert span.parent is None
        assert [link.context.span_id for link in span.links] == [create.context.span_id]


@IN_MEMORY
async def test_a_batch_publish_is_one_create_and_one_publish_span(
    kind: Kind, provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    broker = kind.broker(kind.telemetry(tracer_provider=provider))
    got: list[Any] = []

    @subscribe(kind, broker, name, batch=True)
    async def handle(items: list[Any], baggage: CurrentBaggage) -> None:
        got.append((items, baggage.get_all(), baggage.get_all_batch()))

    async with kind.tester(broker) as br:
        await publish_batch(
            kind, br, name, 1, "hi", 3, headers=Baggage({"foo": "bar"}).to_headers()
        )
    each = {"foo": "bar", WITH_BATCH: "True"}
    assert got == [([1, "hi", 3], each, [each, each, each])]
    spans = ordered(exporter)
    assert len(spans) == 4
    assert_one_publish(kind, spans, name, 3)
    (create,) = named(spans, "create", producer=False)
    (process,) = named(spans, "process", producer=False)
    assert (process.attributes or {})[BATCH_COUNT] == 3
    # The three items carry one context: one link, counting them.
    (link,) = create.links
    assert link.context.span_id == named(spans, "create", producer=True)[0].context.span_id
    assert dict(link.attributes or {}) == {BATCH_COUNT: 3}


@IN_MEMORY
async def test_each_message_of_a_batch_consumed_alone_starts_a_linked_trace(
    kind: Kind, provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    broker = kind.broker(kind.telemetry(tracer_provider=provider))
    got: list[Any] = []

    @subscribe(kind, broker, name, batch=False)
    async def handle(item: Any, baggage: CurrentBaggage) -> None:
        got.append((item, baggage.get_all(), baggage.get_all_batch()))

    async with kind.tester(broker) as br:
        await publish_batch(
            kind, br, name, 1, "hi", 3, headers=Baggage({"foo": "bar"}).to_headers()
        )
    each = {"foo": "bar", WITH_BATCH: "True"}
    assert got == [(1, each, []), ("hi", each, []), (3, each, [])]
    spans = ordered(exporter)
    assert len(spans) == 8
    assert_one_publish(kind, spans, name, 3)
    creates = named(spans, "create", producer=False)
    processes = named(spans, "process", producer=False)
    assert len(creates) == len(processes) == 3
    assert_linked_to(creates, named(spans, "create", producer=True)[0])
    for create, process in zip(creates, processes, strict=True):
        assert process.parent is not None and process.parent.span_id == create.context.span_id


@IN_MEMORY
async def test_a_batch_of_one_is_traced_as_one_message(
    kind: Kind, provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    broker = kind.broker(kind.telemetry(tracer_provider=provider))
    got: list[Any] = []

    @subscribe(kind, broker, name, batch=False)
    async def handle(item: int, baggage: CurrentBaggage) -> None:
        got.append((item, baggage.get_all()))

    async with kind.tester(broker) as br:
        await publish_batch(kind, br, name, 7)
    assert got == [(7, {})]
    create, sent, process = ordered(exporter)
    assert [s.name for s in (create, sent, process)] == [
        f"{name} create",
        f"{name} publish",
        f"{name} process",
    ]
    assert BATCH_COUNT not in (sent.attributes or {})
    assert process.parent is not None and process.parent.span_id == create.context.span_id


@IN_MEMORY
async def test_a_batch_publish_from_a_handler_goes_on_under_its_process_span(
    kind: Kind, provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    broker = kind.broker(kind.telemetry(tracer_provider=provider))
    out = f"{name}-out"
    got: list[Any] = []

    @subscribe(kind, broker, name, batch=False)
    async def first(n: int) -> None:
        await publish_batch(kind, broker, out, n, n + 1)

    @subscribe(kind, broker, out, batch=True)
    async def then(items: list[int], baggage: CurrentBaggage) -> None:
        got.append((items, baggage.get_all()))

    async with kind.tester(broker) as br:
        await publish(kind, br, name, 1, headers=Baggage({"tenant": "t"}).to_headers())
    assert got == [([1, 2], {"tenant": "t", WITH_BATCH: "True"})]
    spans = ordered(exporter)
    (process,) = [s for s in spans if s.name == f"{name} process"]
    (sent,) = [s for s in spans if s.name == f"{out} publish"]
    assert not [s for s in spans if s.name == f"{out} create" and s.kind.name == "PRODUCER"]
    assert sent.parent is not None and sent.parent.span_id == process.context.span_id
    assert (sent.attributes or {})[BATCH_COUNT] == 2


async def test_a_consumed_batch_merges_its_items_baggage(
    provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    kind = KINDS["kafka"]
    telemetry = kind.telemetry(tracer_provider=provider)
    broker = kind.broker(telemetry)

    @broker.subscriber(name, batch=True)
    async def handle(items: list[str]) -> None: ...

    items = [
        StreamMessage(b"hi", Baggage({"foo": "bar", "k": "1"}).to_headers(), destination=name),
        StreamMessage(b"buy", Baggage({"bar": "baz", "k": "2"}).to_headers(), destination=name),
    ]
    seen: list[Any] = []

    async def call_next(message: StreamMessage) -> None:
        current = Baggage.current()
        seen.append((current.get_all(), current.get_all_batch()))

    await telemetry.for_subscriber(broker.subscribers[0]).consume(batch_of(items), call_next)
    first, second = {"foo": "bar", "k": "1"}, {"bar": "baz", "k": "2"}
    assert seen == [({"foo": "bar", "bar": "baz", "k": "2"}, [first, second])]
    assert Baggage.from_msg(batch_of(items)).get_all_batch() == [first, second]
    assert Baggage.from_msg(items[0]).get_all() == first
    # A batch of one is one message to 0.5: no per-item baggage.
    assert Baggage.from_msg(batch_of(items[:1])).get_all_batch() == []
    assert Baggage({"a": "1"}, [{"a": "1"}, {"b": "2"}]).get_all_batch() == [{"a": "1"}, {"b": "2"}]


@IN_MEMORY
async def test_meters_count_a_batch_s_messages_and_time_it_once(kind: Kind, name: str) -> None:
    reader = InMemoryMetricReader()
    meters = MeterProvider(metric_readers=[reader])
    broker = kind.broker(kind.telemetry(meter_provider=meters))

    @subscribe(kind, broker, name, batch=True)
    async def handle(items: list[int]) -> None: ...

    async with kind.tester(broker) as br:
        await publish_batch(kind, br, name, 1, 2, 3)
    got = points(reader)
    assert sum(p.value for p in got["messaging.publish.messages"]) == 3
    assert sum(p.count for p in got["messaging.publish.duration"]) == 1
    assert sum(p.value for p in got["messaging.process.messages"]) == 3
    assert sum(p.count for p in got["messaging.process.duration"]) == 1


@REAL
async def test_a_batch_through_the_real_broker(
    kind: Kind, provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    reader = InMemoryMetricReader()
    meters = MeterProvider(metric_readers=[reader])
    telemetry = kind.telemetry(tracer_provider=provider, meter_provider=meters)
    broker = kind.broker(telemetry, real=True)
    got: list[Any] = []
    kafka = kind.system == "kafka"

    @subscribe(kind, broker, name, batch=True, real=True)
    async def handle(items: list[Any], baggage: CurrentBaggage) -> None:
        got.append((items, baggage.get_all(), baggage.get_all_batch()))

    async with broker:
        await broker.start()
        headers = Baggage({"foo": "bar"}).to_headers()
        await publish_batch(kind, broker, name, 1, "hi", 3, headers=headers)
        await until(lambda: sum(len(g[0]) for g in got) == 3, 30 if kafka else 10, "3 items")
        await until(
            lambda: len(named(ordered(exporter), "process", producer=False)) == len(got),
            5,
            "the process spans",
        )
    spans = ordered(exporter)
    assert_one_publish(kind, spans, name, 3)
    each = {"foo": "bar", WITH_BATCH: "True"}
    # (Kafka spreads a batch over the topic's partitions: in any order.)
    assert sorted(str(item) for items, _, _ in got for item in items) == ["1", "3", "hi"]
    for items, merged, per_item in got:
        assert merged == each
        assert per_item == ([each] * len(items) if len(items) > 1 else [])
    # However the items were fetched, every consumer ``create`` span links the
    # producer's, and their counts add up to the batch.
    creates = named(spans, "create", producer=False)
    (produced,) = named(spans, "create", producer=True)
    assert_linked_to(creates, produced)
    assert sum((s.attributes or {})[BATCH_COUNT] for s in creates) == 3
    metrics = points(reader)
    assert sum(p.value for p in metrics["messaging.publish.messages"]) == 3
    assert sum(p.count for p in metrics["messaging.publish.duration"]) == 1
    assert sum(p.value for p in metrics["messaging.process.messages"]) == 3


@REAL
async def test_single_publishes_consumed_as_a_batch_on_the_real_broker(
    kind: Kind, provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    broker = kind.broker(kind.telemetry(tracer_provider=provider), real=True)
    got: list[Any] = []
    kafka = kind.system == "kafka"

    @subscribe(kind, broker, name, batch=True, real=True)
    async def handle(items: list[str], baggage: CurrentBaggage) -> None:
        got.append((sorted(items), baggage.get_all(), baggage.get_all_batch()))

    async with broker:
        await broker.connect()
        # Both are waiting when the subscriber starts: one fetch takes them together.
        await publish(kind, broker, name, "hi", headers=Baggage({"foo": "bar"}).to_headers())
        await publish(kind, broker, name, "buy", headers=Baggage({"bar": "baz"}).to_headers())
        await broker.start()
        await until(lambda: sum(len(g[0]) for g in got) == 2, 30 if kafka else 10, "2 items")
        await asyncio.sleep(0)
    ((items, merged, per_item),) = got
    assert items == ["buy", "hi"]
    assert merged == {"foo": "bar", "bar": "baz"}
    assert sorted(per_item, key=str) == [{"bar": "baz"}, {"foo": "bar"}]
    (create,) = named(ordered(exporter), "create", producer=False)
    assert len(create.links) == 2

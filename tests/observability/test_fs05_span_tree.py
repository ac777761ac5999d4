"""The spans FastStream 0.5 makes around a message, and how they nest: ``create``
(the message's creation context), ``publish`` and ``process``; chains of handlers;
untraced messages; batches."""

from __future__ import annotations

import asyncio

from fs05 import IN_MEMORY, KINDS, REAL, Kind
from opentelemetry import propagate
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from faststream_fastapi.core.batch import batch_of
from faststream_fastapi.core.message import StreamMessage
from faststream_fastapi.opentelemetry.consts import (
    ERROR_TYPE,
    MESSAGING_DESTINATION_PUBLISH_NAME,
)
from faststream_fastapi.opentelemetry.middleware import MessageAction
from support import until


def ordered(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return sorted(exporter.get_finished_spans(), key=lambda s: s.start_time or 0)


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def test_0_5_names_of_actions_and_attributes() -> None:
    assert (MessageAction.CREATE, MessageAction.PUBLISH, MessageAction.PROCESS) == (
        "create",
        "publish",
        "process",
    )
    assert MESSAGING_DESTINATION_PUBLISH_NAME == "messaging.destination_publish.name"
    assert ERROR_TYPE == "error.type"


def assert_create_publish_process(kind: Kind, spans: list[ReadableSpan], name: str) -> None:
    create, publish, process = spans
    label = kind.handler(name)
    assert [s.name for s in spans] == [f"{label} create", f"{label} publish", f"{label} process"]
    assert [s.kind for s in spans] == [SpanKind.PRODUCER, SpanKind.PRODUCER, SpanKind.CONSUMER]
    assert parent_of(publish) == parent_of(process) == create.context.span_id
    assert (publish.attributes or {})["messaging.operation"] == "publish"
    assert (process.attributes or {})["messaging.operation"] == "process"
    assert "messaging.operation" not in (create.attributes or {})
    destination = "" if kind.system == "rabbitmq" else name
    assert (create.attributes or {})["messaging.destination.name"] == destination


@IN_MEMORY
async def test_a_publish_makes_create_publish_and_process_spans(
    kind: Kind, provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    broker = kind.broker(kind.telemetry(tracer_provider=provider))

    @broker.subscriber(name)
    async def handle(n: int) -> None: ...

    async with kind.tester(broker) as br:
        await br.publish(1, name, correlation_id="c-1")
    assert_create_publish_process(kind, ordered(exporter), name)


@REAL
async def test_create_publish_and_process_spans_through_the_real_broker(
    kind: Kind, provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    broker = kind.broker(kind.telemetry(tracer_provider=provider), real=True)
    done = asyncio.Event()
    kafka = kind.system == "kafka"

    @broker.subscriber(name, **({"auto_offset_reset": "earliest"} if kafka else {}))
    async def handle(n: int) -> None:
        done.set()

    async with broker:
        await broker.start()
        await broker.publish(1, name)
        await asyncio.wait_for(done.wait(), 30 if kafka else 10)
        await until(lambda: len(exporter.get_finished_spans()) == 3, 5, "three spans")
    assert_create_publish_process(kind, ordered(exporter), name)


@IN_MEMORY
async def test_a_chain_of_handlers_shares_the_first_creation_context(
    kind: Kind, provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    broker = kind.broker(kind.telemetry(tracer_provider=provider))
    second = f"{name}-2"

    @broker.subscriber(name)
    async def first(n: int) -> None:
        await broker.publish(n + 1, second)

    @broker.subscriber(second)
    async def then(n: int) -> None: ...

    async with kind.tester(broker) as br:
        await br.publish(1, name)
    create, pub1, proc1, pub2, proc2 = ordered(exporter)
    assert create.name == f"{kind.handler(name)} create"
    assert pub2.name == f"{kind.handler(second)} publish"
    assert parent_of(pub1) == parent_of(proc1) == create.context.span_id
    # A publish from a handler: under its process span, no create span of its own,
    # and the message goes on with the context the handled one came with.
    assert parent_of(pub2) == proc1.context.span_id
    assert parent_of(proc2) == create.context.span_id
    assert len({s.context.trace_id for s in (create, pub1, proc1, pub2, proc2)}) == 1


async def test_an_untraced_message_gets_a_consumer_create_span(
    provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    kind = KINDS["nats"]
    broker = kind.broker(kind.telemetry(tracer_provider=provider))

    @broker.subscriber(name)
    async def handle(n: int) -> None: ...

    async with kind.tester(broker):
        # As a producer without telemetry sends it: no trace context in its headers.
        deliver = broker.subscribers[0].deliver
        assert deliver is not None
        await deliver(StreamMessage(b"1", {"content-type": "application/json"}, destination=name))
    create, process = ordered(exporter)
    assert (create.name, create.kind) == (f"{name} create", SpanKind.CONSUMER)
    assert create.parent is None
    assert parent_of(process) == create.context.span_id
    assert (create.attributes or {})["messaging.destination_publish.name"] == name


async def test_a_batch_links_its_items_and_counts_them(
    provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    kind = KINDS["kafka"]
    telemetry = kind.telemetry(tracer_provider=provider)
    broker = kind.broker(telemetry)

    @broker.subscriber(name, batch=True)
    async def handle(items: list[int]) -> None: ...

    # Four items from three producers' messages: "a" sent twice (a retry), "b" once,
    # and one without a correlation id (linked on its own).
    tracer = provider.get_tracer("test")
    items = []
    for n, correlation_id in enumerate(["a", "a", "b", ""]):
        with tracer.start_as_current_span(f"sent {correlation_id}"):
            headers: dict[str, str] = {"correlation_id": correlation_id} if correlation_id else {}
            propagate.inject(headers)
        items.append(StreamMessage(str(n).encode(), headers, destination=name))
    sent = {s.name: s.context.span_id for s in exporter.get_finished_spans()}
    exporter.clear()
    seen: list[int] = []

    async def call_next(message: StreamMessage) -> None:
        seen.append(len(message.batch_headers))

    middleware = telemetry.for_subscriber(broker.subscribers[0])
    await middleware.consume(batch_of(items), call_next)
    assert seen == [4]
    create, process = ordered(exporter)
    assert (create.name, create.kind) == (f"{name} create", SpanKind.CONSUMER)
    assert create.parent is None  # a batch starts its own trace, linked to its items'
    assert parent_of(process) == create.context.span_id
    assert (process.attributes or {})["messaging.batch.message_count"] == 4
    links = {link.context.span_id: dict(link.attributes or {}) for link in create.links}
    assert links == {
        sent["sent a"]: {"messaging.batch.message_count": 2},
        sent["sent b"]: {},
        sent["sent "]: {},
    }

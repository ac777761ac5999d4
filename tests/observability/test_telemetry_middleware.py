"""TelemetryMiddleware: spans, attributes and trace context through real brokers."""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient
from opentelemetry import baggage, propagate, trace
from opentelemetry import context as otel_context
from opentelemetry.propagators import textmap
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import BaseModel

from faststream_fastapi import Context
from faststream_fastapi.opentelemetry import TelemetryMiddleware

URLS = {
    "redis": "redis://127.0.0.1:6379",
    "nats": "nats://127.0.0.1:4222",
    "rabbit": "amqp://guest:guest@127.0.0.1:5672/",
    "kafka": "127.0.0.1:9092",
    "confluent": "127.0.0.1:9092",
}
SYSTEM = {
    "redis": "redis",
    "nats": "nats",
    "rabbit": "rabbitmq",
    "kafka": "kafka",
    "confluent": "kafka",
}
TESTERS = {
    "redis": "TestRedisBroker",
    "nats": "TestNatsBroker",
    "rabbit": "TestRabbitBroker",
    "kafka": "TestKafkaBroker",
    "confluent": "TestKafkaBroker",
}


class Order(BaseModel):
    id: int


def router_class(kind: str) -> Any:
    return getattr(importlib.import_module(f"faststream_fastapi.{kind}.fastapi"), _ROUTERS[kind])


_ROUTERS = {
    "redis": "RedisRouter",
    "nats": "NatsRouter",
    "rabbit": "RabbitRouter",
    "kafka": "KafkaRouter",
    "confluent": "KafkaRouter",
}


def by_kind(spans: tuple[ReadableSpan, ...], kind: SpanKind) -> list[ReadableSpan]:
    """The spans of ``kind``, without the ``create`` spans (see ``created``)."""
    return [s for s in spans if s.kind is kind and not s.name.endswith(" create")]


def created(spans: tuple[ReadableSpan, ...], kind: SpanKind) -> list[ReadableSpan]:
    """The ``<destination> create`` spans of ``kind`` (FastStream 0.5's creation context)."""
    return [s for s in spans if s.kind is kind and s.name.endswith(" create")]


def make_app(router: Any, provider: TracerProvider) -> FastAPI:
    """A FastAPI app whose requests get a SERVER span (what an instrumentation does)."""
    app = FastAPI()
    app.include_router(router)
    tracer = provider.get_tracer("test-http")

    @app.middleware("http")
    async def server_span(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        ctx = propagate.extract(request.headers)
        ctx = baggage.set_baggage("tenant", "acme", ctx)
        token = otel_context.attach(ctx)
        try:
            name = f"{request.method} {request.url.path}"
            with tracer.start_as_current_span(name, kind=SpanKind.SERVER):
                return await call_next(request)
        finally:
            otel_context.detach(token)

    return app


def run_http_to_consumer(kind: str, provider: TracerProvider, name: str) -> dict[str, Any]:
    router = router_class(kind)(
        URLS[kind], middlewares=[TelemetryMiddleware(tracer_provider=provider)], logger=None
    )
    seen: dict[str, Any] = {}
    done = threading.Event()

    @router.subscriber(name)
    async def handle(order: Order) -> None:
        seen["baggage"] = baggage.get_baggage("tenant")
        seen["trace_id"] = trace.get_current_span().get_span_context().trace_id
        done.set()

    @router.post("/orders")
    async def create() -> str:
        await router.broker.publish(Order(id=7), name)
        return "queued"

    with TestClient(make_app(router, provider)) as client:
        time.sleep(0.2 if kind in ("kafka", "confluent") else 0.05)
        assert client.post("/orders").json() == "queued"
        assert done.wait(30 if kind in ("kafka", "confluent") else 10)
        time.sleep(0.05)  # the consumer span ends just after the handler
    return seen


def assert_one_trace(kind: str, spans: tuple[ReadableSpan, ...], name: str) -> None:
    (server,) = by_kind(spans, SpanKind.SERVER)
    (producer,) = by_kind(spans, SpanKind.PRODUCER)
    (consumer,) = by_kind(spans, SpanKind.CONSUMER)
    trace_id = server.context.trace_id
    assert producer.context.trace_id == trace_id
    assert consumer.context.trace_id == trace_id
    # server -> create -> (publish, process): the message carries its creation context.
    (create,) = created(spans, SpanKind.PRODUCER)
    assert create.parent is not None and create.parent.span_id == server.context.span_id
    assert producer.parent is not None and producer.parent.span_id == create.context.span_id
    assert consumer.parent is not None and consumer.parent.span_id == create.context.span_id
    label = f"default.{name}" if kind == "rabbit" else name
    assert producer.name == f"{label} publish"
    assert consumer.name == f"{label} process"
    assert producer.attributes is not None and consumer.attributes is not None
    assert producer.attributes["messaging.system"] == SYSTEM[kind]
    assert producer.attributes["messaging.operation"] == "publish"
    # RabbitMQ's destination is the exchange, the default one here.
    assert producer.attributes["messaging.destination.name"] == ("" if kind == "rabbit" else name)
    assert producer.attributes["messaging.message.body.size"] == len(b'{"id":7}')
    assert consumer.attributes["messaging.system"] == SYSTEM[kind]
    assert consumer.attributes["messaging.operation"] == "process"
    assert consumer.attributes["messaging.destination.name"] == name
    assert consumer.attributes["messaging.message.body.size"] == len(b'{"id":7}')


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("nats", marks=pytest.mark.nats),
        pytest.param("rabbit", marks=pytest.mark.rabbit),
        pytest.param("kafka", marks=pytest.mark.kafka),
        pytest.param("confluent", marks=pytest.mark.kafka),
    ],
)
def test_http_publish_and_consume_share_one_trace_through_a_real_broker(
    kind: str, provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    seen = run_http_to_consumer(kind, provider, name)
    spans = exporter.get_finished_spans()
    assert_one_trace(kind, spans, name)
    # Baggage set by the HTTP layer arrives in the handler, and the handler
    # runs inside the consumer span.
    assert seen["baggage"] == "acme"
    assert seen["trace_id"] == by_kind(spans, SpanKind.SERVER)[0].context.trace_id


@pytest.mark.parametrize("kind", ["redis", "nats", "rabbit", "kafka", "confluent"])
async def test_every_broker_carries_the_context_in_headers(
    kind: str, provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    router = router_class(kind)(
        URLS[kind], middlewares=[TelemetryMiddleware(tracer_provider=provider)], logger=None
    )
    headers: dict[str, str] = {}

    @router.subscriber("in")
    async def handle(n: int, received: Any = Context("message.headers")) -> None:
        headers.update(received)

    tester = getattr(importlib.import_module(f"faststream_fastapi.{kind}"), TESTERS[kind])
    async with tester(router.broker) as br:
        ctx = baggage.set_baggage("tenant", "acme")
        token = otel_context.attach(ctx)
        try:
            await br.publish(1, "in")
        finally:
            otel_context.detach(token)
    assert headers["traceparent"].startswith("00-")
    assert "tenant=acme" in headers["baggage"]
    (producer,) = by_kind(exporter.get_finished_spans(), SpanKind.PRODUCER)
    (consumer,) = by_kind(exporter.get_finished_spans(), SpanKind.CONSUMER)
    (create,) = created(exporter.get_finished_spans(), SpanKind.PRODUCER)
    assert not created(exporter.get_finished_spans(), SpanKind.CONSUMER)
    assert create.name == producer.name.replace(" publish", " create")  # RabbitMQ: default.in
    # The message carries its creation context: publish and process are both under it.
    assert headers["traceparent"].split("-")[2] == f"{create.context.span_id:016x}"
    assert f"{producer.context.trace_id:032x}" in headers["traceparent"]
    assert producer.parent is not None and producer.parent.span_id == create.context.span_id
    assert consumer.parent is not None and consumer.parent.span_id == create.context.span_id


async def test_failures_mark_the_consumer_span_without_the_payload(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    from faststream_fastapi.nats import NatsBroker, TestNatsBroker

    broker = NatsBroker(middlewares=[TelemetryMiddleware(tracer_provider=provider)], logger=None)

    @broker.subscriber("pay")
    async def pay(order: Order) -> None:
        raise RuntimeError("card declined")

    async with TestNatsBroker(broker) as br:
        with pytest.raises(RuntimeError):
            await br.publish(Order(id=4242), "pay")
        with pytest.raises(ValueError):
            await br.publish({"id": "secret-card-number"}, "pay")
    failed, invalid = by_kind(exporter.get_finished_spans(), SpanKind.CONSUMER)
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.attributes is not None
    assert failed.attributes["error.type"] == "RuntimeError"
    assert invalid.status.status_code is StatusCode.ERROR
    assert invalid.attributes is not None
    assert invalid.attributes["error.type"] == "MessageValidationError"
    dumped = repr([(e.name, dict(e.attributes or {})) for e in invalid.events])
    assert "secret-card-number" not in dumped


async def test_request_reply_spans_chain(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    from faststream_fastapi.nats import NatsBroker, TestNatsBroker

    broker = NatsBroker(middlewares=[TelemetryMiddleware(tracer_provider=provider)], logger=None)

    @broker.subscriber("orders.{id}")
    async def price(order: Order) -> int:
        return order.id * 2

    async with TestNatsBroker(broker) as br:
        reply = await br.request(Order(id=21), "orders.21", correlation_id="c-1")
    assert reply.decoded() == 42
    spans = exporter.get_finished_spans()
    request, answer = sorted(by_kind(spans, SpanKind.PRODUCER), key=lambda s: s.start_time or 0)
    (consumer,) = by_kind(spans, SpanKind.CONSUMER)
    # The span names use the declared pattern; attributes keep the concrete subject.
    assert request.name == "orders.{id} publish"
    assert consumer.name == "orders.{id} process"
    assert answer.name == "reply publish"
    assert consumer.attributes is not None and answer.attributes is not None
    assert consumer.attributes["messaging.destination.name"] == "orders.21"
    assert consumer.attributes["messaging.destination.template"] == "orders.{id}"
    assert consumer.attributes["messaging.message.conversation_id"] == "c-1"
    assert answer.attributes["messaging.destination.temporary"] is True
    # The request's creation context is the consumer's parent; the reply, made in the
    # handler, is under the consumer's span and makes no creation span of its own.
    (create,) = created(spans, SpanKind.PRODUCER)
    assert create.name == "orders.{id} create"
    assert request.parent is not None and request.parent.span_id == create.context.span_id
    assert consumer.parent is not None and consumer.parent.span_id == create.context.span_id
    assert answer.parent is not None and answer.parent.span_id == consumer.context.span_id


@pytest.mark.redis
def test_fastapi_instrumentation_joins_the_trace(
    provider: TracerProvider, exporter: InMemorySpanExporter, name: str
) -> None:
    import opentelemetry.instrumentation.fastapi as instrumentation

    from faststream_fastapi.redis.fastapi import RedisRouter

    router = RedisRouter(
        URLS["redis"], middlewares=[TelemetryMiddleware(tracer_provider=provider)], logger=None
    )
    done = threading.Event()

    @router.subscriber(name)
    async def handle(order: Order) -> None:
        done.set()

    @router.post("/orders")
    async def create() -> str:
        await router.broker.publish(Order(id=7), name)
        return "queued"

    app = FastAPI()
    app.include_router(router)
    instrumentation.FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)
    try:
        with TestClient(app) as client:
            client.post("/orders")
            assert done.wait(10)
            time.sleep(0.05)
    finally:
        instrumentation.FastAPIInstrumentor.uninstrument_app(app)
    spans = exporter.get_finished_spans()
    (server,) = by_kind(spans, SpanKind.SERVER)
    (consumer,) = by_kind(spans, SpanKind.CONSUMER)
    assert consumer.context.trace_id == server.context.trace_id


async def test_log_lines_in_a_handler_name_the_consumer_span(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    import logging

    from faststream_fastapi.nats import NatsBroker, TestNatsBroker
    from faststream_fastapi.opentelemetry import TraceContextFilter

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    handler.addFilter(TraceContextFilter())
    logger = logging.getLogger("obs.trace")
    logger.addHandler(handler)
    logger.propagate = False
    broker = NatsBroker(middlewares=[TelemetryMiddleware(tracer_provider=provider)], logger=None)

    @broker.subscriber("jobs")
    async def job(n: int) -> None:
        logger.warning("working")

    try:
        async with TestNatsBroker(broker) as br:
            await br.publish(1, "jobs")
        logger.warning("outside")
    finally:
        logger.handlers.clear()
    (consumer,) = by_kind(exporter.get_finished_spans(), SpanKind.CONSUMER)
    inside, outside = (r.__dict__ for r in records)
    assert inside["trace_id"] == f"{consumer.context.trace_id:032x}"
    assert inside["span_id"] == f"{consumer.context.span_id:016x}"
    assert outside["trace_id"] is None and outside["span_id"] is None


class _OwnHeader(textmap.TextMapPropagator):
    """A propagator with a mixed-case header name, counting its extractions."""

    def __init__(self) -> None:
        self.extracted = 0

    def extract(self, carrier: Any, context: Any = None, getter: Any = None) -> Any:
        self.extracted += 1
        (value,) = (getter or textmap.default_getter).get(carrier, "X-Trace") or [""]
        trace_id, span_id = (int(part, 16) for part in value.split("-"))
        parent = trace.SpanContext(
            trace_id, span_id, is_remote=True, trace_flags=trace.TraceFlags(1)
        )
        return trace.set_span_in_context(trace.NonRecordingSpan(parent), context)

    def inject(self, carrier: Any, context: Any = None, setter: Any = None) -> None:
        span = trace.get_current_span(context).get_span_context()
        value = f"{span.trace_id:032x}-{span.span_id:016x}"
        (setter or textmap.default_setter).set(carrier, "X-Trace", value)

    @property
    def fields(self) -> set[str]:
        return {"X-Trace"}


async def test_a_custom_propagator_and_an_untraced_message(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    from faststream_fastapi.core.message import StreamMessage
    from faststream_fastapi.nats import NatsBroker, TestNatsBroker

    own = _OwnHeader()
    middleware = TelemetryMiddleware(tracer_provider=provider, propagator=own)
    broker = NatsBroker(middlewares=[middleware], logger=None)

    @broker.subscriber("in")
    async def handle(n: int) -> None: ...

    async with TestNatsBroker(broker) as br:
        await br.publish(1, "in")
    (producer,) = by_kind(exporter.get_finished_spans(), SpanKind.PRODUCER)
    (consumer,) = by_kind(exporter.get_finished_spans(), SpanKind.CONSUMER)
    assert own.extracted == 1  # the header arrives lower-cased, and is found
    assert consumer.parent is not None and consumer.parent.span_id == producer.parent.span_id
    # A message without the propagator's headers starts a trace; nothing is parsed.
    untraced = middleware.extract(StreamMessage(b"1", {"content-type": "text/plain"}))
    assert trace.get_current_span(untraced).get_span_context() == trace.INVALID_SPAN_CONTEXT
    assert own.extracted == 1

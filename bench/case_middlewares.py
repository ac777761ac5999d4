"""Cost of the observability middlewares, in memory and on each real broker.

Rows: no middleware; ``PrometheusMiddleware``; ``TelemetryMiddleware`` with the
no-op tracer provider (our middleware's own work: attributes, context
propagation calls, attach/detach; the API hands back non-recording spans);
with the SDK (``BatchSpanProcessor``, an exporter that drops spans) and its
default sampler, every span recorded; with ``ParentBased(TraceIdRatioBased(0.1))``,
the common production setting; metrics + tracing with each sampler; one log
line per message.

Columns: in memory, microseconds per publish + handle (a PRODUCER and a
CONSUMER span, publish and consume metrics). Per broker (Redis list, NATS
JetStream push consumer, RabbitMQ queue, aiokafka), messages per second
consuming a pre-filled destination with the handler of ``nox -s bench``
(pydantic model, async ``Depends``, ``Logger``); the same with a handler that
also makes one Redis round trip (a handler that does some I/O); and publishing.
The pre-filled messages are published by a broker with the same middlewares,
so traced ones carry the producer's context (and its sampling decision), as
between two traced services. "cost" is the throughput lost against no
middleware. Each figure is the best of ``--repeat`` runs, rows interleaved.

    python bench/case_middlewares.py [-n 10000] [--repeat 3] [--brokers redis nats rabbit kafka]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import nats
from common import PAYLOAD, Dep, Item
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis

from faststream_fastapi import Logger
from faststream_fastapi.core import Middleware
from faststream_fastapi.kafka.fastapi import KafkaRouter
from faststream_fastapi.nats import JStream
from faststream_fastapi.nats.fastapi import NatsRouter
from faststream_fastapi.observability import MessageLogMiddleware
from faststream_fastapi.opentelemetry import TelemetryMiddleware
from faststream_fastapi.prometheus import PrometheusMiddleware
from faststream_fastapi.rabbit import RabbitQueue
from faststream_fastapi.rabbit.fastapi import RabbitRouter
from faststream_fastapi.redis import ListSub, TestRedisBroker
from faststream_fastapi.redis.fastapi import RedisRouter

REDIS = "redis://127.0.0.1:6379"
NATS = "nats://127.0.0.1:4222"
RABBIT = "amqp://guest:guest@127.0.0.1:5672/"
KAFKA = "127.0.0.1:9092"
WINDOW = 100  # concurrent publishes when filling, and when publishing to Kafka
TARGET = 0.15  # the budget for metrics + tracing


class _Drop(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


_providers: list[TracerProvider] = []


def _sdk(ratio: float | None = None) -> TracerProvider:
    sampler = None if ratio is None else ParentBased(TraceIdRatioBased(ratio))
    provider = TracerProvider(sampler=sampler)
    provider.add_span_processor(BatchSpanProcessor(_Drop(), max_queue_size=100_000))
    _providers.append(provider)
    return provider


def _shutdown_providers() -> None:
    """Stop the span processors' threads between runs; leave no garbage to the next."""
    while _providers:
        _providers.pop().shutdown()
    gc.collect()


def _log_logger() -> logging.Logger:
    logger = logging.getLogger("bench.messages")
    logger.handlers[:] = [logging.NullHandler()]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def _metrics() -> Middleware:
    return PrometheusMiddleware(registry=CollectorRegistry())


def _tracing(ratio: float | None = None) -> Middleware:
    return TelemetryMiddleware(tracer_provider=_sdk(ratio))


NONE = "none"
BOTH = ("metrics + tracing", "metrics + tracing, 10% sampled")
CONFIGS: dict[str, Callable[[], list[Middleware]]] = {
    NONE: lambda: [],
    "metrics": lambda: [_metrics()],
    "tracing, no-op provider (our code)": lambda: [
        TelemetryMiddleware(tracer_provider=trace.NoOpTracerProvider())
    ],
    "tracing": lambda: [_tracing()],
    "tracing, 10% sampled": lambda: [_tracing(0.1)],
    BOTH[0]: lambda: [_tracing(), _metrics()],
    BOTH[1]: lambda: [_tracing(0.1), _metrics()],
    "log line per message": lambda: [MessageLogMiddleware(_log_logger())],
}


async def memory_us(middlewares: list[Middleware], n: int) -> float:
    """CPU microseconds per publish + handle through the in-memory Redis test broker."""
    router = RedisRouter(middlewares=middlewares, logger=None)

    @router.subscriber("bench")
    async def handler(item: Item, logger: Logger, d: Dep) -> None:
        assert item.qty == 3

    async with TestRedisBroker(router.broker) as br:
        publish: Any = br.publish
        for _ in range(1000):
            await publish(PAYLOAD, "bench")
        t0 = time.process_time()
        for _ in range(n):
            await publish(PAYLOAD, "bench")
        return (time.process_time() - t0) / n * 1e6


# --- one real broker: where to fill, how to subscribe, how to publish ---------------


@dataclass(frozen=True)
class Measure:
    """Messages per second (wall clock) and CPU microseconds per message (all threads)."""

    rate: float
    cpu_us: float

    @classmethod
    def of(cls, n: int, wall: float, cpu: float) -> Measure:
        return cls(n / wall, cpu / n * 1e6)

    def best(self, other: Measure | None) -> Measure:
        if other is None:
            return self
        return Measure(max(self.rate, other.rate), min(self.cpu_us, other.cpu_us))


@dataclass
class Case:
    """A broker's consume and publish set-up: each takes a fresh destination name."""

    router: Callable[[list[Middleware]], Any]
    prepare: Callable[[str], Awaitable[None]]
    subscribe: Callable[[Any, str], Callable[[Any], Any]]
    send: Callable[[Any, str], Awaitable[Any]]
    cleanup: Callable[[str], Awaitable[None]]
    flush: Callable[[Any], Awaitable[None]] | None = None
    windowed_publish: bool = False


async def _nothing(name: str) -> None:
    return None


async def _redis_delete(key: str) -> None:
    client = Redis.from_url(REDIS)
    await client.delete(key)
    await client.aclose()


def _stream_of(subject: str) -> str:
    return subject.replace(".", "_")


async def _nats_stream(subject: str) -> None:
    nc = await nats.connect(NATS)
    await nc.jetstream().add_stream(name=_stream_of(subject), subjects=[subject])
    await nc.close()


async def _nats_delete(subject: str) -> None:
    nc = await nats.connect(NATS)
    js = nc.jetstream()
    with contextlib.suppress(nats.js.errors.NotFoundError):  # publish runs make no stream
        await js.delete_stream(_stream_of(subject))
    await nc.close()


async def _rabbit_queue(queue: str) -> None:
    import aio_pika

    connection = await aio_pika.connect(RABBIT)
    channel = await connection.channel()
    await channel.declare_queue(queue, auto_delete=True)
    await connection.close()


async def _rabbit_delete(queue: str) -> None:
    import aio_pika

    connection = await aio_pika.connect(RABBIT)
    channel = await connection.channel()
    await channel.queue_delete(queue)
    await connection.close()


async def _nats_flush(broker: Any) -> None:
    await broker.transport.client.flush()


CASES: dict[str, Case] = {
    "redis": Case(
        router=lambda mws: RedisRouter(REDIS, middlewares=mws, logger=None),
        prepare=_nothing,
        subscribe=lambda r, key: r.subscriber(list=ListSub(key, max_records=100)),
        send=lambda b, key: b.publish(PAYLOAD, list=key),
        cleanup=_redis_delete,
    ),
    "nats": Case(
        router=lambda mws: NatsRouter(NATS, middlewares=mws, logger=None),
        prepare=_nats_stream,
        subscribe=lambda r, subject: r.subscriber(
            subject, stream=JStream(_stream_of(subject), subjects=[subject])
        ),
        send=lambda b, subject: b.publish(PAYLOAD, subject),
        cleanup=_nats_delete,
        flush=_nats_flush,
    ),
    "rabbit": Case(
        router=lambda mws: RabbitRouter(RABBIT, middlewares=mws, logger=None),
        prepare=_rabbit_queue,
        subscribe=lambda r, queue: r.subscriber(RabbitQueue(queue, auto_delete=True)),
        send=lambda b, queue: b.publish(PAYLOAD, queue),
        cleanup=_rabbit_delete,
    ),
    "kafka": Case(
        router=lambda mws: KafkaRouter(KAFKA, middlewares=mws, logger=None),
        prepare=_nothing,
        subscribe=lambda r, topic: r.subscriber(
            topic, auto_offset_reset="earliest", max_records=500
        ),
        send=lambda b, topic: b.publish(PAYLOAD, topic),
        cleanup=_nothing,
        windowed_publish=True,
    ),
}


async def _fill(case: Case, name: str, middlewares: list[Middleware], dest: str, n: int) -> None:
    """``n`` messages from a producer with the same middlewares, every one acknowledged."""
    await case.prepare(dest)
    async with case.router(middlewares).broker as broker:
        for start in range(0, n, WINDOW):
            count = min(WINDOW, n - start)
            if name == "nats":  # through JetStream, so each one is stored
                stream = _stream_of(dest)
                sends = [broker.publish(PAYLOAD, dest, stream=stream) for _ in range(count)]
            else:
                sends = [case.send(broker, dest) for _ in range(count)]
            await asyncio.gather(*sends)


class _Clock:
    """Counts handled messages; the rate runs from the first to the last, so the
    connection and subscription set-up (a second or more for Kafka) stays out."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.count = 0
        self.first = self.last = (0.0, 0.0)
        self.done = asyncio.Event()

    def hit(self) -> None:
        self.count += 1
        if self.count == 1:
            self.first = (time.perf_counter(), time.process_time())
        if self.count >= self.expected:
            self.last = (time.perf_counter(), time.process_time())
            self.done.set()

    def measure(self) -> Measure:
        n = self.count - 1
        return Measure.of(n, self.last[0] - self.first[0], self.last[1] - self.first[1])


async def consume_rate(case: Case, name: str, make: Callable[[], list[Middleware]], n: int,
                       work: bool) -> Measure:  # fmt: skip
    """Consuming ``n`` pre-filled messages; with ``work``, one Redis GET each."""
    dest = f"bench.mw.{uuid.uuid4().hex[:12]}"
    await _fill(case, name, make(), dest, n)
    _shutdown_providers()  # the producer's
    router = case.router(make())
    clock = _Clock(n)
    client = Redis.from_url(REDIS)

    @case.subscribe(router, dest)
    async def handler(item: Item, logger: Logger, d: Dep) -> None:
        assert item.qty == 3
        if work:
            await client.get("bench-mw-missing")  # one round trip
        clock.hit()

    async with router.broker as broker:
        await broker.start()
        await asyncio.wait_for(clock.done.wait(), 300)
    await client.aclose()
    await case.cleanup(dest)
    return clock.measure()


async def publish_rate(case: Case, make: Callable[[], list[Middleware]], n: int) -> Measure:
    """Publishing ``n`` messages (Kafka: in windows of concurrent ones)."""
    dest = f"bench.mw.pub.{uuid.uuid4().hex[:12]}"
    await case.prepare(dest)
    async with case.router(make()).broker as broker:
        t0, cpu0 = time.perf_counter(), time.process_time()
        if case.windowed_publish:
            for start in range(0, n, WINDOW):
                await asyncio.gather(
                    *(case.send(broker, dest) for _ in range(min(WINDOW, n - start)))
                )
        else:
            for _ in range(n):
                await case.send(broker, dest)
        if case.flush is not None:
            await case.flush(broker)
        measure = Measure.of(n, time.perf_counter() - t0, time.process_time() - cpu0)
    await case.cleanup(dest)
    return measure


# --- the run and the tables ---------------------------------------------------------

COLUMNS = ("consume", "consume, handler + 1 Redis GET", "publish")


def _cost(cpu_us: float, base_us: float) -> str:
    """Throughput lost at saturation: the share of CPU per message the middlewares add."""
    return f"{1 - base_us / cpu_us:.0%}"


def _table(title: str, header: Sequence[str], rows: list[list[str]]) -> None:
    print(f"\n{title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=10_000, help="messages per consume run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--brokers", nargs="*", default=list(CASES), choices=list(CASES))
    args = parser.parse_args()
    n, small = args.n, max(args.n // 2, 500)

    memory = dict.fromkeys(CONFIGS, 1e18)
    best: dict[str, dict[str, list[Measure | None]]] = {
        b: {c: [None, None, None] for c in CONFIGS} for b in args.brokers
    }
    for _ in range(args.repeat):
        for config, make in CONFIGS.items():
            memory[config] = min(memory[config], await memory_us(make(), n))
            _shutdown_providers()
            for broker in args.brokers:
                case, row = CASES[broker], best[broker][config]
                runs = (
                    consume_rate(case, broker, make, n, work=False),
                    consume_rate(case, broker, make, small, work=True),
                    publish_rate(case, make, small),
                )
                for i, run in enumerate(runs):
                    row[i] = (await run).best(row[i])
                    _shutdown_providers()

    print(f"\nobservability middlewares: n={n} (handler + GET and publish: {small}), "
          f"best of {args.repeat}")  # fmt: skip
    print("cost: the share of CPU time per message the middlewares add, i.e. the throughput")
    print("lost by a consumer that is CPU-bound (CPU us/msg counts every thread of the process)")
    base = memory[NONE]
    _table(
        "in memory: publish + handle, CPU",
        ("middlewares", "us/msg", "cost"),
        [[c, f"{us:.1f}", _cost(us, base)] for c, us in memory.items()],
    )
    for i, column in enumerate(COLUMNS):
        if not args.brokers:
            break
        rows = []
        for config in CONFIGS:
            cells = [config]
            for broker in args.brokers:
                m, b = best[broker][config][i], best[broker][NONE][i]
                assert m is not None and b is not None
                cells.append(f"{m.cpu_us:.1f} ({_cost(m.cpu_us, b.cpu_us)})")
            rows.append(cells)
        _table(f"{column}: CPU us/msg (cost)", ("middlewares", *args.brokers), rows)
        rows = []
        for config in CONFIGS:
            measures = [best[broker][config][i] for broker in args.brokers]
            rows.append([config, *(f"{m.rate:,.0f}" if m else "n/a" for m in measures)])
        _table(f"{column}: msg/s (wall clock: indicative)", ("middlewares", *args.brokers), rows)
    if args.brokers:
        rows = []
        for broker in args.brokers:
            (none, none_work, _) = best[broker][NONE]
            assert none is not None and none_work is not None
            for config in BOTH:
                consume, work, _ = best[broker][config]
                assert consume is not None and work is not None
                added = consume.cpu_us - none.cpu_us
                # The handler CPU time past which the added time is <= TARGET of the total.
                breakeven = max(0.0, added / TARGET - added - none.cpu_us)
                rows.append([
                    broker,
                    config,
                    f"{added:.1f}",
                    _cost(consume.cpu_us, none.cpu_us),
                    _cost(work.cpu_us, none_work.cpu_us),
                    f"{breakeven:.0f}",
                ])  # fmt: skip
        _table(
            f"target: metrics + tracing cost <= {TARGET:.0%} of a consumer's throughput",
            ("broker", "middlewares", "consume: added CPU us/msg", "cost, no-op handler",
             "cost, handler + 1 Redis GET", f"handler CPU us/msg for <= {TARGET:.0%}"),
            rows,
        )  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())

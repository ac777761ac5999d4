"""Cost of the observability middlewares: none, metrics, tracing, both, logging.

In memory: microseconds per publish + handle (a PRODUCER and a CONSUMER span,
publish and consume metrics). Redis: messages per second consuming a
pre-filled list (consume side only), and publishing. Tracing uses the SDK with
a ``BatchSpanProcessor`` and an exporter that drops spans, every span sampled:
the worst case short of the exporter's own cost. Each figure is the best of
``--repeat`` runs, configurations interleaved.

    python bench/case_middlewares.py [-n 20000] [--repeat 3] [--no-redis]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from common import PAYLOAD, Counter, Dep, Item, timed
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import TraceIdRatioBased
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis

from faststream_fastapi import Logger
from faststream_fastapi.core import Middleware
from faststream_fastapi.observability import MessageLogMiddleware
from faststream_fastapi.opentelemetry import TelemetryMiddleware
from faststream_fastapi.prometheus import PrometheusMiddleware
from faststream_fastapi.redis import ListSub, TestRedisBroker
from faststream_fastapi.redis.fastapi import RedisRouter

URL = "redis://127.0.0.1:6379"


class _Drop(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def _provider(ratio: float = 1.0) -> TracerProvider:
    provider = TracerProvider(sampler=TraceIdRatioBased(ratio) if ratio < 1 else None)
    provider.add_span_processor(BatchSpanProcessor(_Drop(), max_queue_size=100_000))
    return provider


def _log_logger() -> logging.Logger:
    logger = logging.getLogger("bench.messages")
    logger.handlers[:] = [logging.NullHandler()]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


CONFIGS: dict[str, Callable[[], list[Middleware]]] = {
    "none": lambda: [],
    "metrics": lambda: [PrometheusMiddleware(registry=CollectorRegistry())],
    "tracing": lambda: [TelemetryMiddleware(tracer_provider=_provider())],
    "tracing 10% sampled": lambda: [TelemetryMiddleware(tracer_provider=_provider(0.1))],
    "metrics + tracing": lambda: [
        TelemetryMiddleware(tracer_provider=_provider()),
        PrometheusMiddleware(registry=CollectorRegistry()),
    ],
    "log line per message": lambda: [MessageLogMiddleware(_log_logger())],
    "all three": lambda: [
        TelemetryMiddleware(tracer_provider=_provider()),
        PrometheusMiddleware(registry=CollectorRegistry()),
        MessageLogMiddleware(_log_logger()),
    ],
}


async def memory_us(middlewares: list[Middleware], n: int) -> float:
    router = RedisRouter(middlewares=middlewares, logger=None)

    @router.subscriber("bench")
    async def handler(item: Item, logger: Logger, d: Dep) -> None:
        assert item.qty == 3

    async with TestRedisBroker(router.broker) as br:
        publish: Any = br.publish
        for _ in range(1000):
            await publish(PAYLOAD, "bench")
        t0 = time.perf_counter()
        for _ in range(n):
            await publish(PAYLOAD, "bench")
        return (time.perf_counter() - t0) / n * 1e6


async def redis_consume(middlewares: list[Middleware], n: int, *, work: bool = False) -> float:
    """Consume ``n`` pre-filled list items; with ``work``, the handler does one Redis GET."""
    key = f"bench-mw-{uuid.uuid4().hex}"
    filler = RedisRouter(URL, logger=None)
    async with filler.broker as broker:
        for _ in range(n):
            await broker.publish(PAYLOAD, list=key)
    router = RedisRouter(URL, middlewares=middlewares, logger=None)
    counter = Counter(n)
    client = Redis.from_url(URL)

    @router.subscriber(list=ListSub(key, max_records=100))
    async def handler(item: Item, logger: Logger, d: Dep) -> None:
        assert item.qty == 3
        if work:
            await client.get("bench-mw-missing")  # one round trip
        counter.hit()

    async with router.broker as broker:
        rate = await timed(broker.start, counter)
    await client.aclose()
    return rate


async def redis_publish(middlewares: list[Middleware], n: int) -> float:
    key = f"bench-mw-pub-{uuid.uuid4().hex}"
    router = RedisRouter(URL, middlewares=middlewares, logger=None)
    async with router.broker as broker:
        t0 = time.perf_counter()
        for _ in range(n):
            await broker.publish(PAYLOAD, list=key)
        rate = n / (time.perf_counter() - t0)
        await broker.transport.client.delete(key)  # type: ignore[attr-defined]
    return rate


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-redis", action="store_true")
    args = parser.parse_args()

    best: dict[str, list[float]] = {name: [1e18, 0.0, 0.0, 0.0] for name in CONFIGS}
    for _ in range(args.repeat):
        for name, make in CONFIGS.items():
            row = best[name]
            row[0] = min(row[0], await memory_us(make(), args.n))
            if not args.no_redis:
                row[1] = max(row[1], await redis_consume(make(), args.n))
                row[2] = max(row[2], await redis_consume(make(), args.n // 2, work=True))
                row[3] = max(row[3], await redis_publish(make(), args.n // 4))

    base = best["none"]
    print(f"\nobservability middlewares, n={args.n}, best of {args.repeat}\n")
    header = ("middlewares", "in-memory us/msg", "vs none", "redis consume msg/s", "vs none",
              "consume + 1 GET msg/s", "vs none", "redis publish msg/s", "vs none")  # fmt: skip
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for name, (us, *rates) in best.items():
        cells = [name, f"{us:.1f}", f"{base[0] / us:.0%}"]
        for value, ref in zip(rates, base[1:], strict=True):
            cells += [f"{value:,.0f}", f"{value / ref:.0%}"] if value else ["n/a", "n/a"]
        print("| " + " | ".join(cells) + " |")
    print("\n'vs none' is throughput relative to no middleware (100% = no cost).")


if __name__ == "__main__":
    asyncio.run(main())

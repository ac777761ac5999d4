"""The in-process counts expose what ``prometheus_client``'s metric objects did.

In one process the middleware keeps plain counts; under
``PROMETHEUS_MULTIPROC_DIR`` it keeps ``prometheus_client`` metrics (which, in
a process that imported ``prometheus_client`` without the variable, keep their
values in memory: the implementation used before). The same messages through
both must give the same ``/metrics``: names, labels, types, help, values.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.metrics import disable_created_metrics, enable_created_metrics

from faststream_fastapi import AckPolicy
from faststream_fastapi.prometheus import PrometheusMiddleware
from faststream_fastapi.prometheus.inprocess import InProcessMetrics
from faststream_fastapi.prometheus.multiprocess import MULTIPROC_DIR, ClientMetrics
from faststream_fastapi.redis import RedisBroker, RedisMessage, TestRedisBroker

# Values that sit on, just above and past the buckets' bounds.
SIZES = (0, 1, 63, 64, 65, 256, 4095, 4096, 16 * 1024 * 1024, 16 * 1024 * 1024 + 1)
ELAPSED = (0.0, 0.0004, 0.0005, 0.00051, 0.001, 0.0049, 0.3, 60.0, 61.0, 1e9)
#: Default buckets; fractional sizes; more than 255 (past a byte per bucket).
BUCKETS: list[dict[str, Any]] = [
    {},
    {"size_buckets": (10.5, 100, 4095.5), "duration_buckets": (0.0001, 1)},
    {"size_buckets": range(0, 6000, 20), "duration_buckets": (-1.0, 0.0, 60.0)},
]


def middleware(
    monkeypatch: pytest.MonkeyPatch, *, files: bool, **buckets: Any
) -> PrometheusMiddleware:
    """A middleware on a new registry, with the store of one process or of several."""
    with monkeypatch.context() as patch:
        if files:
            patch.setenv(MULTIPROC_DIR, "/nonexistent")
        else:
            patch.delenv(MULTIPROC_DIR, raising=False)
        made = PrometheusMiddleware(registry=CollectorRegistry(), **buckets)
    assert isinstance(made.metrics, ClientMetrics if files else InProcessMetrics)
    return made


def exposition(registry: CollectorRegistry) -> str:
    """``generate_latest``, each ``_created`` value (a creation time) blanked."""
    text = generate_latest(registry).decode()
    return re.sub(r"^(\S*_created\S*) \S+$", r"\1 T", text, flags=re.MULTILINE)


def feed(mw: PrometheusMiddleware) -> None:
    """Every kind of update, with the same values, straight to the store."""
    for broker, destination in (("redis", "a"), ("nats", "a"), ("redis", "b.{id}")):
        consume = mw.metrics.consume_series("app", broker, destination)
        publish = mw.metrics.publish_series("app", broker, destination)
        for size, elapsed in zip(SIZES, ELAPSED, strict=True):
            consume.receive(size)
            consume.finish("acked", elapsed)
            publish.sent(size)
            publish.succeeded(elapsed)
        consume.receive(10)  # still in flight
        consume.receive(10)
        consume.exception("KeyError")
        consume.finish("rejected", 0.002)
        publish.failed(0.01, "TimeoutError")
    # A label set asked for twice is one series.
    mw.metrics.consume_series("app", "redis", "a").receive(1)


@pytest.fixture(params=[True, False], ids=["created", "no created"])
def created(request: pytest.FixtureRequest) -> Iterator[bool]:
    if not request.param:
        disable_created_metrics()
    try:
        yield request.param
    finally:
        enable_created_metrics()


@pytest.mark.parametrize("buckets", BUCKETS, ids=["default", "fractional", "many"])
def test_same_exposition_for_the_same_updates(
    monkeypatch: pytest.MonkeyPatch, created: bool, buckets: dict[str, Any]
) -> None:
    before, after = (middleware(monkeypatch, files=f, **buckets) for f in (True, False))
    feed(before)
    feed(after)
    text = exposition(after.registry)
    assert text == exposition(before.registry)
    assert ("_created" in text) is created
    assert "faststream_published_messages_size_bytes_bucket" in text
    if buckets:
        return
    assert (
        'faststream_received_messages_total{app_name="app",broker="redis",handler="a"} 13.0' in text
    )
    bucket = "faststream_received_processed_messages_duration_seconds_bucket"
    labels = 'app_name="app",broker="nats",handler="a",le="0.0005"'
    assert f"{bucket}{{{labels}}} 3.0" in text  # 0.0, 0.0004 and 0.0005 itself
    in_process = (
        'faststream_received_messages_in_process{app_name="app",broker="redis",handler="a"}'
    )
    assert f"{in_process} 2.0" in text


async def run_messages(mw: PrometheusMiddleware) -> None:
    """A mix of outcomes through an in-memory broker."""
    broker = RedisBroker(middlewares=[mw], logger=None)
    broker.publisher("nowhere")  # nothing subscribes: published there on purpose

    @broker.subscriber("ok")
    async def ok(n: int) -> int:
        return n

    @broker.subscriber("boom")
    async def boom(n: int) -> None:
        raise KeyError(n)

    @broker.subscriber("manual", ack_policy=AckPolicy.MANUAL)
    async def manual(n: int, msg: RedisMessage) -> None:
        if n:
            await msg.nack()

    async with TestRedisBroker(broker) as br:
        for i in range(5):
            await br.publish(i, "ok")
        assert (await br.request(7, "ok")).decoded() == 7
        for i in range(2):
            with pytest.raises(KeyError):
                await br.publish(i, "boom")
        await br.publish(1, "manual")
        await br.publish(0, "manual")
        await br.publish("x" * 5000, "nowhere")
        with pytest.raises(ValueError):
            await br.publish("not a number", "ok")


def samples(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample; times (sums and buckets of durations, ``_created``) as -1."""
    timed = ("duration_seconds_bucket", "duration_seconds_sum", "_created")
    return {
        (s.name, tuple(sorted(s.labels.items()))): -1.0 if s.name.endswith(timed) else s.value
        for family in registry.collect()
        for s in family.samples
    }


def families(registry: CollectorRegistry) -> list[tuple[str, str, str]]:
    return [(f.name, f.type, f.documentation) for f in registry.collect()]


async def test_same_samples_for_the_same_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    before, after = (middleware(monkeypatch, files=files) for files in (True, False))
    await run_messages(before)
    await run_messages(after)
    assert families(after.registry) == families(before.registry)
    got = samples(after.registry)
    assert got == samples(before.registry)
    app = ("app_name", "faststream")
    count = "faststream_received_processed_messages_duration_seconds_count"
    processed = "faststream_received_processed_messages_total"
    ok = (app, ("broker", "redis"), ("handler", "ok"))
    assert got[processed, (*ok, ("status", "acked"))] == 6
    assert got[count, ok] == 7  # and the one rejected, not valid
    manual = (app, ("broker", "redis"), ("handler", "manual"))
    assert got[processed, (*manual, ("status", "nacked"))] == 1
    assert got[processed, (*manual, ("status", "unsettled"))] == 1


async def test_a_scrape_during_handling_sees_the_message_in_flight() -> None:
    registry = CollectorRegistry()
    broker = RedisBroker(middlewares=[PrometheusMiddleware(registry=registry)], logger=None)
    seen: list[str] = []

    @broker.subscriber("slow")
    async def slow(n: int) -> None:
        # From another thread, as ``start_http_server`` scrapes.
        seen.append(await asyncio.to_thread(lambda: generate_latest(registry).decode()))

    async with TestRedisBroker(broker) as br:
        await br.publish(1, "slow")
    labels = 'app_name="faststream",broker="redis",handler="slow"'
    line = f"faststream_received_messages_in_process{{{labels}}}"
    assert f"{line} 1.0" in seen[0]
    assert f"{line} 0.0" in generate_latest(registry).decode()


def test_the_registry_still_refuses_a_metric_of_the_same_name() -> None:
    registry = CollectorRegistry()
    PrometheusMiddleware(registry=registry)
    with pytest.raises(ValueError, match="Duplicated timeseries"):
        Counter("faststream_received_messages", "again", registry=registry)
    PrometheusMiddleware(registry=registry)  # the same prefix again: shares the store


def test_buckets_are_checked_as_prometheus_client_does() -> None:
    with pytest.raises(ValueError, match="sorted"):
        PrometheusMiddleware(registry=CollectorRegistry(), duration_buckets=(1.0, 0.5))
    with pytest.raises(ValueError, match="two buckets"):
        PrometheusMiddleware(registry=CollectorRegistry(), size_buckets=(float("inf"),))

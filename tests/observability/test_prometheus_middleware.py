"""PrometheusMiddleware: what it counts, with which labels, and /metrics on both apps."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Path
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from pydantic import BaseModel

from faststream_fastapi import AckPolicy
from faststream_fastapi.nats import NatsBroker, TestNatsBroker
from faststream_fastapi.prometheus import PrometheusMiddleware, make_asgi_app
from faststream_fastapi.redis import RedisBroker, RedisMessage, TestRedisBroker
from faststream_fastapi.redis.fastapi import RedisRouter

P = "faststream"


class Item(BaseModel):
    name: str


def value(registry: CollectorRegistry, metric: str, **labels: str) -> float:
    got = registry.get_sample_value(metric, {"app_name": P, **labels})
    return 0.0 if got is None else got


def all_label_values(registry: CollectorRegistry) -> set[str]:
    return {v for m in registry.collect() for s in m.samples for v in s.labels.values()}


async def test_counts_each_outcome_by_settlement_status() -> None:
    registry = CollectorRegistry()
    broker = RedisBroker(middlewares=[PrometheusMiddleware(registry=registry)], logger=None)

    @broker.subscriber("ok")
    async def ok(item: Item) -> None: ...

    @broker.subscriber("boom")
    async def boom(item: Item) -> None:
        raise KeyError("nope")

    @broker.subscriber("retry", ack_policy=AckPolicy.NACK_ON_ERROR)
    async def retry(item: Item) -> None:
        raise ValueError("later")

    @broker.subscriber("manual", ack_policy=AckPolicy.MANUAL)
    async def manual(item: Item, msg: RedisMessage) -> None:
        if item.name == "ack":
            await msg.ack()

    async with TestRedisBroker(broker) as br:
        await br.publish(Item(name="a"), "ok")
        await br.publish(Item(name="b"), "ok")
        with pytest.raises(KeyError):
            await br.publish(Item(name="c"), "boom")
        with pytest.raises(ValueError):
            await br.publish(Item(name="d"), "retry")
        with pytest.raises(ValueError):  # invalid body: rejected, handler never ran
            await br.publish({"nope": 1}, "ok")
        await br.publish(Item(name="ack"), "manual")
        await br.publish(Item(name="keep"), "manual")

    def processed(dest: str, status: str) -> float:
        labels = {"broker": "redis", "handler": dest, "status": status}
        return value(registry, f"{P}_received_processed_messages_total", **labels)

    assert value(registry, f"{P}_received_messages_total", broker="redis", handler="ok") == 3
    assert processed("ok", "acked") == 2
    assert processed("ok", "rejected") == 1
    assert processed("boom", "rejected") == 1
    assert processed("retry", "nacked") == 1
    assert processed("manual", "acked") == 1
    assert processed("manual", "unsettled") == 1
    exc = f"{P}_received_processed_messages_exceptions_total"
    base = {"broker": "redis"}
    assert value(registry, exc, handler="boom", exception_type="KeyError", **base) == 1
    assert value(registry, exc, handler="retry", exception_type="ValueError", **base) == 1
    assert value(registry, exc, handler="ok", exception_type="MessageValidationError", **base) == 1
    hist = f"{P}_received_processed_messages_duration_seconds_count"
    assert value(registry, hist, broker="redis", handler="ok") == 3
    size = f"{P}_received_messages_size_bytes_sum"
    assert value(registry, size, broker="redis", handler="ok") == (
        2 * len(b'{"name":"a"}') + len(b'{"nope":1}')
    )
    published = f"{P}_published_messages_total"
    to_ok = {"broker": "redis", "destination": "ok"}
    assert value(registry, published, status="success", **to_ok) == 2
    # In memory, delivery happens inside ``publish``: the handler's error fails it.
    assert value(registry, published, status="error", **to_ok) == 1


async def test_in_flight_gauge_rises_while_the_handler_runs() -> None:
    registry = CollectorRegistry()
    broker = RedisBroker(middlewares=[PrometheusMiddleware(registry=registry)], logger=None)
    seen: list[float] = []

    @broker.subscriber("slow")
    async def slow(n: int) -> None:
        seen.append(
            value(registry, f"{P}_received_messages_in_process", broker="redis", handler="slow")
        )

    async with TestRedisBroker(broker) as br:
        await br.publish(1, "slow")
    assert seen == [1.0]
    assert value(registry, f"{P}_received_messages_in_process", broker="redis", handler="slow") == 0


async def test_a_cancelled_handler_counts_as_unsettled_and_leaves_flight() -> None:
    registry = CollectorRegistry()
    broker = RedisBroker(middlewares=[PrometheusMiddleware(registry=registry)], logger=None)
    started = asyncio.Event()

    @broker.subscriber("stuck")
    async def stuck(n: int) -> None:
        started.set()
        await asyncio.Event().wait()

    labels = {"broker": "redis", "handler": "stuck"}
    async with TestRedisBroker(broker) as br:
        task = asyncio.create_task(br.publish(1, "stuck"))
        await asyncio.wait_for(started.wait(), 5)
        assert value(registry, f"{P}_received_messages_in_process", **labels) == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert value(registry, f"{P}_received_messages_in_process", **labels) == 0
    processed = f"{P}_received_processed_messages_total"
    assert value(registry, processed, status="unsettled", **labels) == 1
    assert value(registry, processed, status="acked", **labels) == 0


async def test_labels_are_the_declared_pattern_and_never_ids() -> None:
    registry = CollectorRegistry()
    broker = RedisBroker(middlewares=[PrometheusMiddleware(registry=registry)], logger=None)

    got: list[RedisMessage] = []

    @broker.subscriber("orders.{order_id}")
    async def order(n: int, order_id: Annotated[str, Path()], msg: RedisMessage) -> int:
        got.append(msg)
        return n + 1

    async with TestRedisBroker(broker) as br:
        for i in range(5):
            await br.publish(i, f"orders.id{i}", correlation_id=f"corr-{i}")
        reply = await br.request(41, "orders.id99")
        assert reply.decoded() == 42

    processed = f"{P}_received_processed_messages_total"
    labels = {"broker": "redis", "handler": "orders.{order_id}", "status": "acked"}
    assert value(registry, processed, **labels) == 6
    published = f"{P}_published_messages_total"
    assert value(registry, published, broker="redis", destination="reply", status="success") == 1
    # Publishing to a concrete subject counts under the pattern it matches.
    ok = {"broker": "redis", "status": "success"}
    assert value(registry, published, destination="orders.{order_id}", **ok) == 6
    seen = all_label_values(registry)
    assert not any(v.startswith(("orders.id", "corr-", "_INBOX")) for v in seen)
    assert not any(m.message_id in seen for m in got if m.message_id)


async def test_publish_labels_are_capped_or_mapped() -> None:
    registry = CollectorRegistry()
    broker = RedisBroker(
        middlewares=[PrometheusMiddleware(registry=registry, max_destinations=2)], logger=None
    )
    mapped = CollectorRegistry()
    other = RedisBroker(
        middlewares=[
            PrometheusMiddleware(registry=mapped, destination_label=lambda d: d.split(".")[0])
        ],
        logger=None,
    )
    for i in range(5):  # nothing subscribes: published there on purpose
        broker.publisher(f"user.{i}")
        other.publisher(f"user.{i}")
    async with TestRedisBroker(broker) as br, TestRedisBroker(other) as ob:
        for i in range(5):
            await br.publish(i, f"user.{i}")
            await ob.publish(i, f"user.{i}")
    published = f"{P}_published_messages_total"
    ok = {"broker": "redis", "status": "success"}
    assert value(registry, published, destination="user.0", **ok) == 1
    assert value(registry, published, destination="other", **ok) == 3
    assert value(mapped, published, destination="user", **ok) == 5


async def test_two_brokers_share_one_registry() -> None:
    registry = CollectorRegistry()
    redis = RedisBroker(middlewares=[PrometheusMiddleware(registry=registry)], logger=None)
    nats = NatsBroker(middlewares=[PrometheusMiddleware(registry=registry)], logger=None)

    @redis.subscriber("in")
    @nats.subscriber("in")
    async def handle(n: int) -> None: ...

    async with TestRedisBroker(redis) as r, TestNatsBroker(nats) as n:
        await r.publish(1, "in")
        await n.publish(1, "in")
        await n.publish(2, "in")
    received = f"{P}_received_messages_total"
    assert value(registry, received, broker="redis", handler="in") == 1
    assert value(registry, received, broker="nats", handler="in") == 2


def test_metrics_mount_on_the_fastapi_app() -> None:
    registry = CollectorRegistry()
    router = RedisRouter(middlewares=[PrometheusMiddleware(registry=registry)], logger=None)

    @router.subscriber("hits")
    async def hits(n: int) -> None: ...

    @router.get("/hit")
    async def hit() -> str:
        await router.broker.publish(1, "hits")
        return "ok"

    app = FastAPI()
    app.include_router(router)
    app.mount("/metrics", make_asgi_app(registry))

    async def exercise() -> None:
        async with TestRedisBroker(router.broker):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                assert (await client.get("/hit")).json() == "ok"

    asyncio.run(exercise())
    with TestClient(app) as client:
        text = client.get("/metrics").text
    line = 'faststream_received_messages_total{app_name="faststream",broker="redis",handler="hits"}'
    assert f"{line} 1.0" in text
    assert "faststream_received_processed_messages_duration_seconds_bucket" in text


async def test_metrics_mount_on_asgi_faststream() -> None:
    from faststream_fastapi.asgi import AsgiFastStream

    registry = CollectorRegistry()
    broker = RedisBroker(middlewares=[PrometheusMiddleware(registry=registry)], logger=None)

    @broker.subscriber("jobs")
    async def job(n: int) -> None: ...

    app = AsgiFastStream(broker, asgi_routes=[("/metrics", make_asgi_app(registry))])
    async with TestRedisBroker(broker) as br:
        await br.publish(1, "jobs")
        await br.publish(2, "jobs")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    line = 'faststream_received_messages_total{app_name="faststream",broker="redis",handler="jobs"}'
    assert f"{line} 2.0" in (response.text)


@pytest.mark.redis
async def test_real_redis_counts_and_times(name: str) -> None:
    registry = CollectorRegistry()
    broker = RedisBroker(
        "redis://127.0.0.1:6379",
        middlewares=[PrometheusMiddleware(registry=registry)],
        logger=None,
    )
    done: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(name + ".{part}")
    async def handle(n: int, part: Annotated[str, Path()]) -> None:
        await done.put(n)
        if n == 3:
            raise RuntimeError("three")

    async with broker:
        await broker.start()
        for i in range(1, 5):
            await broker.publish(i, f"{name}.p{i}")
        assert sorted([await asyncio.wait_for(done.get(), 5) for _ in range(4)]) == [1, 2, 3, 4]
        await asyncio.sleep(0.05)  # the last message's metrics land after its handler
    dest = name + ".{part}"
    processed = f"{P}_received_processed_messages_total"
    assert value(registry, processed, broker="redis", handler=dest, status="acked") == 3
    assert value(registry, processed, broker="redis", handler=dest, status="rejected") == 1
    count = f"{P}_published_messages_duration_seconds_count"
    assert value(registry, count, broker="redis", destination=dest) == 4


async def test_router_included_with_a_prefix_counts_under_the_final_name() -> None:
    from faststream_fastapi.redis import RedisRouter as PlainRouter

    registry = CollectorRegistry()
    broker = RedisBroker(middlewares=[PrometheusMiddleware(registry=registry)], logger=None)
    router = PlainRouter()

    @router.subscriber("events")
    async def handle(n: int) -> None: ...

    broker.include_router(router, prefix="svc.")
    async with TestRedisBroker(broker) as br:
        await br.publish(1, "svc.events")
    received = f"{P}_received_messages_total"
    assert value(registry, received, broker="redis", handler="svc.events") == 1
    destinations = {
        s.labels["handler"]
        for m in registry.collect()
        for s in m.samples
        if m.name.endswith("received_messages")
    }
    assert destinations == {"svc.events"}  # no stale series under the old name

"""NATS JetStream push consumer, ack per message: bare nats-py vs our FastAPI handler."""

from __future__ import annotations

import time
import uuid

import nats
from common import PAYLOAD, PAYLOAD_JSON, Counter, Dep, Item, async_dep, encode, timed
from nats.js.api import ConsumerConfig, DeliverPolicy

from faststream_fastapi import Logger
from faststream_fastapi.nats import JStream
from faststream_fastapi.nats.fastapi import NatsRouter

URL = "nats://127.0.0.1:4222"


async def _stream(js: object, name: str, subject: str) -> None:
    await js.add_stream(name=name, subjects=[subject])  # type: ignore[attr-defined]


async def _fill(subject: str, n: int) -> None:
    nc = await nats.connect(URL)
    js = nc.jetstream()
    for _ in range(n):
        await js.publish(subject, PAYLOAD_JSON, headers={"content-type": "application/json"})
    await nc.close()


async def bare(n: int) -> float:
    tag = uuid.uuid4().hex[:10]
    subject, stream = f"bench.bare.{tag}", f"bench_bare_{tag}"
    nc = await nats.connect(URL)
    js = nc.jetstream()
    await _stream(js, stream, subject)
    await _fill(subject, n)
    counter = Counter(n)

    async def on_message(msg: nats.aio.msg.Msg) -> None:
        item = Item.model_validate_json(msg.data)
        await async_dep()
        assert item.qty == 3
        await msg.ack()
        counter.hit()

    async def start() -> None:
        await js.subscribe(
            subject,
            stream=stream,
            cb=on_message,
            manual_ack=True,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, max_ack_pending=1000),
        )

    rate = await timed(start, counter)
    await js.delete_stream(stream)
    await nc.close()
    return rate


async def ours(n: int) -> float:
    tag = uuid.uuid4().hex[:10]
    subject, stream = f"bench.ours.{tag}", f"bench_ours_{tag}"
    router = NatsRouter(URL)
    counter = Counter(n)

    @router.subscriber(subject, stream=JStream(stream, subjects=[subject]))
    async def handler(item: Item, logger: Logger, d: Dep) -> None:
        assert item.qty == 3
        counter.hit()

    nc = await nats.connect(URL)
    js = nc.jetstream()
    await _stream(js, stream, subject)
    await _fill(subject, n)
    async with router.broker as broker:
        rate = await timed(broker.start, counter)
    await js.delete_stream(stream)
    await nc.close()
    return rate


async def publish_bare(n: int) -> float:
    nc = await nats.connect(URL)
    subject = f"bench.pub.{uuid.uuid4().hex[:10]}"
    t0 = time.perf_counter()
    for _ in range(n):
        await nc.publish(subject, encode(), headers={"content-type": "application/json"})
    await nc.flush()
    rate = n / (time.perf_counter() - t0)
    await nc.close()
    return rate


async def publish_ours(n: int) -> float:
    router = NatsRouter(URL)
    subject = f"bench.pub.{uuid.uuid4().hex[:10]}"
    async with router.broker as broker:
        t0 = time.perf_counter()
        for _ in range(n):
            await broker.publish(PAYLOAD, subject)
        await broker.transport.client.flush()  # type: ignore[attr-defined]
        rate = n / (time.perf_counter() - t0)
    return rate


async def request_bare(n: int) -> float:
    """p50 round trip in microseconds: nats-py request to a nats-py responder."""
    nc = await nats.connect(URL)
    subject = f"bench.rpc.{uuid.uuid4().hex[:10]}"

    async def respond(msg: nats.aio.msg.Msg) -> None:
        item = Item.model_validate_json(msg.data)
        await msg.respond(item.model_dump_json().encode())

    await nc.subscribe(subject, cb=respond)
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        await nc.request(subject, PAYLOAD_JSON, timeout=5)
        samples.append(time.perf_counter() - t0)
    await nc.close()
    return sorted(samples)[len(samples) // 2] * 1e6


async def request_ours(n: int) -> float:
    """p50 round trip in microseconds: ``broker.request`` to our FastAPI handler."""
    router = NatsRouter(URL)
    subject = f"bench.rpc.{uuid.uuid4().hex[:10]}"

    @router.subscriber(subject)
    async def handler(item: Item, logger: Logger, d: Dep) -> Item:
        return item

    samples = []
    async with router.broker as broker:
        await broker.start()
        for _ in range(n):
            t0 = time.perf_counter()
            await broker.request(PAYLOAD, subject, timeout=5)
            samples.append(time.perf_counter() - t0)
    return sorted(samples)[len(samples) // 2] * 1e6

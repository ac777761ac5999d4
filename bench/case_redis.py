"""Redis list: bare redis-py (batched LPOP, validate, await dep) vs our FastAPI handler."""

from __future__ import annotations

import time
import uuid

from common import PAYLOAD, PAYLOAD_JSON, Counter, Dep, Item, async_dep, encode, timed
from redis.asyncio import Redis

from faststream_fastapi import Logger
from faststream_fastapi.redis import ListSub, wire
from faststream_fastapi.redis.fastapi import RedisRouter

URL = "redis://127.0.0.1:6379"


async def _fill(key: str, n: int, body: bytes) -> None:
    client = Redis.from_url(URL)
    for start in range(0, n, 1000):
        await client.rpush(key, *([body] * min(1000, n - start)))
    await client.aclose()


async def bare(n: int) -> float:
    key = f"bench-bare-{uuid.uuid4().hex}"
    await _fill(key, n, PAYLOAD_JSON)
    client = Redis.from_url(URL)
    counter = Counter(n)

    async def consume() -> None:
        while counter.count < n:
            items = await client.lpop(key, 100)
            if not items:
                popped = await client.blpop([key], timeout=1)
                items = [popped[1]] if popped else []
            for raw in items:
                item = Item.model_validate_json(raw)
                await async_dep()
                assert item.qty == 3
                counter.hit()

    rate = await timed(consume, counter)
    await client.aclose()
    return rate


#: What our publisher puts in the list for ``PAYLOAD``: the framed headers, then the JSON.
FRAMED = wire.pack(PAYLOAD_JSON, {"content-type": "application/json"})
_BODY_AT = len(FRAMED) - len(PAYLOAD_JSON)


async def fill(key: str, n: int) -> None:
    """``bench/instructions.py``: a list of ``n`` values as our publisher writes them."""
    await _fill(key, n, FRAMED)


async def consume_bare(key: str, n: int) -> float:
    """``bench/instructions.py``: redis-py's batched LPOP; the frame skipped by a slice."""
    client = Redis.from_url(URL)
    counter = Counter(n)

    async def consume() -> None:
        while counter.count < n:
            items = await client.lpop(key, 100)
            if not items:
                popped = await client.blpop([key], timeout=1)
                items = [popped[1]] if popped else []
            for raw in items:
                item = Item.model_validate_json(raw[_BODY_AT:])
                await async_dep()
                assert item.qty == 3
                counter.hit()

    rate = await timed(consume, counter)
    await client.aclose()
    return rate


async def consume_ours(key: str, n: int) -> float:
    """``bench/instructions.py``: our list subscriber on a filled list."""
    router = RedisRouter(URL)
    counter = Counter(n)

    @router.subscriber(list=ListSub(key, max_records=100))
    async def handler(item: Item, logger: Logger, d: Dep) -> None:
        assert item.qty == 3
        counter.hit()

    async with router.broker as broker:
        rate = await timed(broker.start, counter)
    return rate


async def ours(n: int) -> float:
    key = f"bench-ours-{uuid.uuid4().hex}"
    router = RedisRouter(URL)
    counter = Counter(n)

    @router.subscriber(list=ListSub(key, max_records=100))
    async def handler(item: Item, logger: Logger, d: Dep) -> None:
        assert item.qty == 3
        counter.hit()

    async with router.broker as broker:
        for start in range(0, n, 1000):
            for _ in range(min(1000, n - start)):
                await broker.publish(PAYLOAD, list=key)
        rate = await timed(broker.start, counter)
    return rate


async def publish_bare(n: int) -> float:
    key = f"bench-pub-{uuid.uuid4().hex}"
    client = Redis.from_url(URL)
    t0 = time.perf_counter()
    for _ in range(n):
        await client.rpush(key, encode())
    rate = n / (time.perf_counter() - t0)
    await client.delete(key)
    await client.aclose()
    return rate


async def publish_ours(n: int) -> float:
    key = f"bench-pub-{uuid.uuid4().hex}"
    router = RedisRouter(URL)
    async with router.broker as broker:
        t0 = time.perf_counter()
        for _ in range(n):
            await broker.publish(PAYLOAD, list=key)
        rate = n / (time.perf_counter() - t0)
    client = Redis.from_url(URL)
    await client.delete(key)
    await client.aclose()
    return rate


async def request_bare(n: int) -> float:
    """p50 round trip in microseconds: a redis-py responder on a channel, replies on an inbox."""
    import asyncio

    channel, inbox = f"bench-rpc-{uuid.uuid4().hex}", f"bench-inbox-{uuid.uuid4().hex}"
    client = Redis.from_url(URL)
    responder_sub, inbox_sub = client.pubsub(), client.pubsub()
    await responder_sub.subscribe(channel)
    await inbox_sub.subscribe(inbox)
    for sub in (responder_sub, inbox_sub):
        await sub.get_message(timeout=1)

    async def respond() -> None:
        while True:
            raw = await responder_sub.get_message(ignore_subscribe_messages=True, timeout=1)
            if raw is not None:
                item = Item.model_validate_json(raw["data"])
                await client.publish(inbox, item.model_dump_json())

    responder = asyncio.create_task(respond())
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        await client.publish(channel, PAYLOAD_JSON)
        while await inbox_sub.get_message(ignore_subscribe_messages=True, timeout=5) is None:
            pass
        samples.append(time.perf_counter() - t0)
    responder.cancel()
    await responder_sub.aclose()
    await inbox_sub.aclose()
    await client.aclose()
    return sorted(samples)[len(samples) // 2] * 1e6


async def request_ours(n: int) -> float:
    """p50 round trip in microseconds: ``broker.request`` to our FastAPI handler."""
    channel = f"bench-rpc-{uuid.uuid4().hex}"
    router = RedisRouter(URL)

    @router.subscriber(channel)
    async def handler(item: Item, logger: Logger, d: Dep) -> Item:
        return item

    samples = []
    async with router.broker as broker:
        await broker.start()
        for _ in range(n):
            t0 = time.perf_counter()
            await broker.request(PAYLOAD, channel, timeout=5)
            samples.append(time.perf_counter() - t0)
    return sorted(samples)[len(samples) // 2] * 1e6

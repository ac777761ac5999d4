"""Redis list: bare redis-py (batched LPOP, validate, await dep) vs our FastAPI handler."""

from __future__ import annotations

import uuid

from common import PAYLOAD, PAYLOAD_JSON, Counter, Dep, Item, async_dep, timed
from redis.asyncio import Redis

from faststream_fastapi import Logger
from faststream_fastapi.redis import ListSub
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
    import time

    key = f"bench-pub-{uuid.uuid4().hex}"
    client = Redis.from_url(URL)
    t0 = time.perf_counter()
    for _ in range(n):
        await client.rpush(key, PAYLOAD_JSON)
    rate = n / (time.perf_counter() - t0)
    await client.delete(key)
    await client.aclose()
    return rate


async def publish_ours(n: int) -> float:
    import time

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

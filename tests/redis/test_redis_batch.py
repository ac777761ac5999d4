"""Redis batches (``ListSub``/``StreamSub(batch=True)``), ``publish_batch``, batch
publishers and ``get_one``: on the server and under ``TestRedisBroker``."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import BaseModel
from redis.asyncio import Redis

from faststream_fastapi import AckPolicy
from faststream_fastapi.redis import ListSub, RedisBroker, RedisMessage, StreamSub, TestRedisBroker
from support import collect, memory_and_real, running, until

URL = "redis://127.0.0.1:6379"


class Item(BaseModel):
    n: int


mode = memory_and_real(pytest.mark.redis)


async def test_list_batch_gets_what_publish_batch_pushed(name: str, mode: str) -> None:
    broker = RedisBroker(URL)
    got: asyncio.Queue[list[Item]] = asyncio.Queue()

    @broker.subscriber(list=ListSub(name, batch=True, polling_interval=0.05))
    async def handle(items: list[Item]) -> None:
        await got.put(items)

    async with running(broker, mode, TestRedisBroker) as br:
        await br.publish_batch(Item(n=1), Item(n=2), Item(n=3), list=name)
        assert await collect(1, got) == [[Item(n=1), Item(n=2), Item(n=3)]]
        await br.publish(Item(n=4), list=name)  # one message: a batch of one
        assert await collect(1, got) == [[Item(n=4)]]


@pytest.mark.redis
async def test_list_batch_is_capped_by_max_records(name: str) -> None:
    broker = RedisBroker(URL)
    got: asyncio.Queue[list[int]] = asyncio.Queue()

    @broker.subscriber(list=ListSub(name, batch=True, max_records=4, polling_interval=0.05))
    async def handle(items: list[int]) -> None:
        await got.put(items)

    async with running(broker, "real", TestRedisBroker):
        await broker.publish_batch(*range(10), list=name)
        assert await collect(3, got) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


async def test_batch_headers_and_foreign_values(name: str, mode: str) -> None:
    broker = RedisBroker(URL)
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(list=ListSub(name, batch=True, polling_interval=0.05))
    async def handle(body: list[Any], msg: RedisMessage) -> None:
        await got.put(
            (body, msg.headers.get("custom"), [h.get("custom") for h in msg.batch_headers])
        )

    async with running(broker, mode, TestRedisBroker) as br:
        await br.publish_batch("a", 2, list=name, headers={"custom": "1"})
        assert await collect(1, got) == [(["a", 2], "1", ["1", "1"])]
    if mode == "real":  # values pushed by another client: no headers, no content type
        async with running(broker, mode, TestRedisBroker):
            client = Redis.from_url(URL)
            await client.rpush(name, b"1", b"hi")
            await client.aclose()
            assert await collect(1, got) == [([1, "hi"], None, [None, None])]


@pytest.mark.redis
async def test_stream_batch_without_a_group(name: str) -> None:
    broker = RedisBroker(URL)
    got: asyncio.Queue[list[int]] = asyncio.Queue()

    @broker.subscriber(stream=StreamSub(name, batch=True, polling_interval=0.05))
    async def handle(items: list[int]) -> None:
        await got.put(items)

    client = Redis.from_url(URL)
    async with running(broker, "real", TestRedisBroker):
        # Written in one pipeline: one read takes them all.
        async with client.pipeline(transaction=True) as pipe:
            for i in range(3):
                pipe.xadd(name, {b"__data__": str(i).encode()})
            await pipe.execute()
        assert await collect(1, got) == [[0, 1, 2]]
    await client.aclose()


@pytest.mark.redis
@pytest.mark.parametrize(
    ("policy", "pending"), [(AckPolicy.REJECT_ON_ERROR, 0), (AckPolicy.NACK_ON_ERROR, 3)]
)
async def test_stream_group_batch_is_settled_as_a_whole(
    name: str, policy: AckPolicy, pending: int
) -> None:
    broker = RedisBroker(URL)
    calls: list[list[int]] = []

    @broker.subscriber(
        stream=StreamSub(name, group="g", batch=True, last_id="0", polling_interval=0.05),
        ack_policy=policy,
    )
    async def handle(items: list[int]) -> None:
        calls.append(items)
        raise RuntimeError("the whole batch fails")

    client = Redis.from_url(URL)
    for i in range(3):
        await broker_publish(client, name, i)
    async with running(broker, "real", TestRedisBroker):
        await until(lambda: calls, 5, "the batch")
        await asyncio.sleep(0.2)  # the acks go before the next read
    info: Any = await client.xpending(name, "g")
    await client.aclose()
    assert calls[0] == [0, 1, 2]
    assert info["pending"] == pending


async def broker_publish(client: Redis, stream: str, n: int) -> None:
    """An entry as the broker frames one (no headers: the bare body)."""
    await client.xadd(stream, {b"__data__": str(n).encode()})


async def test_stream_group_batch_acked_on_success(name: str, mode: str) -> None:
    broker = RedisBroker(URL)
    got: asyncio.Queue[list[int]] = asyncio.Queue()

    @broker.subscriber(stream=StreamSub(name, group="g", batch=True, polling_interval=0.05))
    async def handle(items: list[int]) -> None:
        await got.put(items)

    async with running(broker, mode, TestRedisBroker) as br:
        await br.publish(1, stream=name)
        assert await collect(1, got) == [[1]]
    if mode == "real":
        # The stop flushed the batch's ack: nothing is left pending.
        client = Redis.from_url(URL)
        info: Any = await client.xpending(name, "g")
        await client.aclose()
        assert info["pending"] == 0


async def test_batch_list_publisher_pushes_each_item(name: str, mode: str) -> None:
    broker = RedisBroker(URL)
    got: asyncio.Queue[list[int]] = asyncio.Queue()
    out = ListSub(f"{name}-out", batch=True, polling_interval=0.05)

    @broker.subscriber(list=name)
    @broker.publisher(list=out)
    async def split(n: int) -> tuple[int, ...]:
        return tuple(range(n))

    @broker.subscriber(list=out)
    async def gather(items: list[int]) -> None:
        await got.put(items)

    async with running(broker, mode, TestRedisBroker) as br:
        await br.publish(3, list=name)
        assert await collect(1, got) == [[0, 1, 2]]


@pytest.mark.redis
async def test_list_batches_count_against_max_workers(name: str) -> None:
    broker = RedisBroker(URL)
    running_now, most = 0, 0
    release = asyncio.Event()
    seen: list[list[int]] = []

    @broker.subscriber(
        list=ListSub(name, batch=True, max_records=2, polling_interval=0.05), max_workers=2
    )
    async def handle(items: list[int]) -> None:
        nonlocal running_now, most
        running_now += 1
        most = max(most, running_now)
        seen.append(items)
        await release.wait()
        running_now -= 1

    async with running(broker, "real", TestRedisBroker):
        await broker.publish_batch(*range(6), list=name)
        await until(lambda: len(seen) == 2, 5, "two batches in hand")
        await asyncio.sleep(0.2)
        assert most == 2 and len(seen) == 2  # the third batch waits for a worker
        release.set()
        await until(lambda: len(seen) == 3, 5, "the third batch")
    assert sorted(i for batch in seen for i in batch) == list(range(6))


# -- get_one ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["list", "stream", "group", "channel"])
async def test_get_one_pulls_one_message_or_times_out(name: str, mode: str, kind: str) -> None:
    broker = RedisBroker(URL)
    where: dict[str, Any] = {
        "list": {"list": name},
        "stream": {"stream": name},
        "group": {"stream": StreamSub(name, group="g")},
        "channel": {"channel": name},
    }[kind]
    sub = broker.subscriber(**where)

    async with running(broker, mode, TestRedisBroker) as br:
        assert await sub.get_one(timeout=1e-24) is None
        publish_to = {"stream": name} if kind == "group" else where
        await br.publish(Item(n=1), **publish_to)
        await br.publish(Item(n=2), **publish_to)
        first = await sub.get_one(timeout=3)
        second = await sub.get_one(timeout=3)
        assert first is not None and second is not None
        assert (first.decoded(), second.decoded()) == ({"n": 1}, {"n": 2})
        await first.ack()
        await second.ack()
        assert await sub.get_one(timeout=0.05) is None
    if mode == "real" and kind == "group":
        client = Redis.from_url(URL)
        info: Any = await client.xpending(name, "g")
        await client.aclose()
        assert info["pending"] == 0  # acked: XACK sent at once


async def test_get_one_of_a_batch_list(name: str, mode: str) -> None:
    broker = RedisBroker(URL)
    sub = broker.subscriber(list=ListSub(name, batch=True))

    async with running(broker, mode, TestRedisBroker) as br:
        await br.publish_batch(1, 2, list=name)
        msg = await sub.get_one(timeout=3)
        assert msg is not None and msg.decoded() == [1, 2]


async def test_get_one_refuses_a_subscriber_with_a_handler(name: str, mode: str) -> None:
    broker = RedisBroker(URL)
    sub = broker.subscriber(list=name)

    @sub
    async def handle(body: str) -> None: ...

    async with running(broker, mode, TestRedisBroker):
        with pytest.raises(AssertionError):
            await sub.get_one(timeout=1e-24)


async def test_get_one_through_a_fastapi_router(name: str, mode: str) -> None:
    from faststream_fastapi.redis.fastapi import RedisRouter

    router = RedisRouter(URL)
    sub = router.subscriber(list=name)

    async with running(router.broker, mode, TestRedisBroker) as br:
        await br.publish("x", list=name)
        msg = await sub.get_one(timeout=3)  # type: ignore[attr-defined]
        assert msg is not None and msg.decoded() == "x"


async def test_binary_items_stay_bytes_in_a_batch(name: str, mode: str) -> None:
    broker = RedisBroker(URL)
    got: asyncio.Queue[Any] = asyncio.Queue()
    models: asyncio.Queue[list[Item]] = asyncio.Queue()

    @broker.subscriber(list=ListSub(name, batch=True, polling_interval=0.05))
    async def handle(items):  # type: ignore[no-untyped-def]  # unannotated, as in 0.5
        await got.put(items)

    @broker.subscriber(list=ListSub(f"{name}-m", batch=True, polling_interval=0.05))
    async def typed(items: list[Item]) -> None:
        await models.put(items)

    async with running(broker, mode, TestRedisBroker) as br:
        await br.publish_batch(b"a", "b", 1, b"\xff", list=name)
        assert await collect(1, got) == [[b"a", "b", 1, b"\xff"]]
        # JSON sent as bytes reaches a model, as one such message does.
        await br.publish_batch(Item(n=1).model_dump_json().encode(), Item(n=2), list=f"{name}-m")
        assert await collect(1, models) == [[Item(n=1), Item(n=2)]]

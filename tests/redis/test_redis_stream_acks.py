"""A stream consumer group acknowledges a read batch with one ``XACK``, against the real server.

The ``XACK`` calls are counted by wrapping the transport's client; what is pending
is read back with ``XPENDING``.
"""

import asyncio
from typing import Any

import pytest
from redis.asyncio import Redis

from faststream_fastapi import AckPolicy
from faststream_fastapi.redis import RedisBroker, RedisMessage, StreamSub
from support import collect, until

pytestmark = pytest.mark.redis
URL = "redis://127.0.0.1:6379"


def count_xacks(broker: RedisBroker, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many ids each ``XACK`` of ``broker``'s client carried, in call order."""
    client = broker.transport.client
    assert client is not None
    xack = client.xack
    sizes: list[int] = []

    async def counted(stream: Any, group: Any, *ids: Any) -> Any:
        sizes.append(len(ids))
        return await xack(stream, group, *ids)

    monkeypatch.setattr(client, "xack", counted)
    return sizes


async def pending(client: Redis, stream: str) -> int:
    return int((await client.xpending(stream, "g"))["pending"])


async def fill(client: Redis, stream: str, bodies: list[str]) -> None:
    """Entries waiting before the group's consumer starts (it reads from ``0``)."""
    for body in bodies:
        await client.xadd(stream, {b"__data__": body.encode()})


@pytest.mark.parametrize(
    ("policy", "left"), [(AckPolicy.REJECT_ON_ERROR, 0), (AckPolicy.NACK_ON_ERROR, 1)]
)
async def test_a_read_batch_is_acked_with_one_xack(
    name: str, monkeypatch: pytest.MonkeyPatch, policy: AckPolicy, left: int
) -> None:
    broker = RedisBroker(URL)
    done: asyncio.Queue[str] = asyncio.Queue()
    n = 50

    @broker.subscriber(
        stream=StreamSub(name, group="g", last_id="0", polling_interval=0.05), ack_policy=policy
    )
    async def handle(msg: str) -> None:
        await done.put(msg)
        if msg == "bad":
            raise RuntimeError("fails every time")

    client = Redis.from_url(URL)
    bodies = [f"m{i}" for i in range(n - 1)] + ["bad"]
    try:
        await fill(client, name, bodies)
        async with broker:
            await broker.connect()
            sizes = count_xacks(broker, monkeypatch)
            await broker.start()
            assert sorted(await collect(n, done)) == sorted(bodies)
            # The handler error: rejected (acked, dropped) or nacked (left pending).
            await until(lambda: sum(sizes) == n - left, 10, lambda: f"acks {sizes}")
            assert await pending(client, name) == left
            assert sizes == [n - left]  # one round trip for the whole batch
            if left:
                (entry,) = await client.xpending_range(name, "g", "-", "+", 10)
                fields = (await client.xrange(name, entry["message_id"], entry["message_id"]))[0]
                assert fields[1][b"__data__"] == b"bad"
    finally:
        await client.delete(name)
        await client.aclose()


async def test_a_nacked_entry_is_redelivered_and_then_acked(name: str) -> None:
    broker = RedisBroker(URL)
    attempts: list[str] = []
    done: asyncio.Queue[str] = asyncio.Queue()

    @broker.subscriber(
        stream=StreamSub(name, group="g", min_idle_time=200, polling_interval=0.05),
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def handle(msg: str) -> None:
        attempts.append(msg)
        if attempts.count(msg) == 1 and msg == "flaky":
            raise RuntimeError("first try fails")
        await done.put(msg)

    client = Redis.from_url(URL)
    try:
        async with broker:
            await broker.start()
            for body in ("a", "flaky", "b"):
                await broker.publish(body, stream=name)
            assert sorted(await collect(3, done, timeout=10)) == ["a", "b", "flaky"]
            await until(_no_pending(client, name), 10, "pending entries acked")
        assert sorted(attempts) == ["a", "b", "flaky", "flaky"]
    finally:
        await client.delete(name)
        await client.aclose()


def _no_pending(client: Redis, stream: str) -> Any:
    async def check() -> bool:
        return await pending(client, stream) == 0

    return check


async def test_a_manual_ack_after_the_handler_returned_is_sent(name: str) -> None:
    broker = RedisBroker(URL)
    kept: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(
        stream=StreamSub(name, group="g", min_idle_time=60_000, polling_interval=0.05),
        ack_policy=AckPolicy.MANUAL,
    )
    async def handle(msg: str, message: RedisMessage) -> None:
        await kept.put(message)  # settled later, outside the handler

    client = Redis.from_url(URL)
    try:
        async with broker:
            await broker.start()
            await broker.publish("late", stream=name)
            (message,) = await collect(1, kept, timeout=10)
            # The batch was flushed without it: still pending until it is acked.
            await asyncio.sleep(0.2)
            assert await pending(client, name) == 1
            await message.ack()
            await until(_no_pending(client, name), 10, "the late ack")
    finally:
        await client.delete(name)
        await client.aclose()


async def test_stop_acks_what_was_settled_and_leaves_the_rest_pending(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = RedisBroker(URL, graceful_timeout=0.3)
    started: asyncio.Queue[str] = asyncio.Queue()
    never = asyncio.Event()

    @broker.subscriber(stream=StreamSub(name, group="g", last_id="0", min_idle_time=60_000))
    async def handle(msg: str) -> None:
        await started.put(msg)
        if msg == "stuck":
            await never.wait()  # cancelled at stop, past graceful_timeout

    client = Redis.from_url(URL)
    try:
        await fill(client, name, ["a", "b", "stuck", "unstarted1", "unstarted2"])
        await broker.connect()
        sizes = count_xacks(broker, monkeypatch)
        await broker.start()
        assert await collect(3, started, timeout=10) == ["a", "b", "stuck"]
        assert sizes == []  # the batch is still in hand: nothing sent yet
        await broker.close()
        assert sizes == [2]
        # The cancelled entry and the two never started stay pending for another consumer.
        entries = await client.xpending_range(name, "g", "-", "+", 10)
        ids = [entry["message_id"] for entry in entries]
        bodies = [(await client.xrange(name, i, i))[0][1][b"__data__"] for i in ids]
        assert bodies == [b"stuck", b"unstarted1", b"unstarted2"]
    finally:
        await client.delete(name)
        await client.aclose()


async def test_ack_first_is_acknowledged_before_the_handler_runs(name: str) -> None:
    """At-most-once: the entry is no longer pending while its handler runs."""
    broker = RedisBroker(URL)
    seen: asyncio.Queue[int] = asyncio.Queue()
    client = Redis.from_url(URL)

    @broker.subscriber(
        stream=StreamSub(name, group="g", last_id="0", polling_interval=0.05),
        ack_policy=AckPolicy.ACK_FIRST,
    )
    async def handle(msg: str) -> None:
        await seen.put(await pending(client, name))

    try:
        await fill(client, name, ["a", "b", "c"])
        async with broker:
            await broker.start()
            # Each handler sees its own entry acknowledged already: at most the
            # entries read with it and not yet started are pending.
            assert await collect(3, seen) == [2, 1, 0]
    finally:
        await client.delete(name)
        await client.aclose()

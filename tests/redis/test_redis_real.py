"""The Redis transport against the real server: channels, lists, streams."""

import asyncio
import logging
from typing import Annotated, Any

import pytest
from fastapi import Path
from pydantic import BaseModel
from redis.asyncio import Redis

from faststream_fastapi import AckPolicy, Response
from faststream_fastapi.redis import ListSub, RedisBroker, StreamSub
from support import collect

pytestmark = pytest.mark.redis
URL = "redis://127.0.0.1:6379"


class Item(BaseModel):
    name: str
    qty: int


async def test_channel_with_path_params_and_model(name: str) -> None:
    broker = RedisBroker(URL)
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(name + ".{level}.logs")
    async def handle(item: Item, level: Annotated[str, Path()]) -> None:
        await got.put((level, item))

    async with broker:
        await broker.start()
        await broker.publish(Item(name="a", qty=1), f"{name}.warn.logs")
        await broker.publish(Item(name="b", qty=2), f"{name}.info.logs")
        assert sorted(await collect(2, got)) == [
            ("info", Item(name="b", qty=2)),
            ("warn", Item(name="a", qty=1)),
        ]


async def test_list_drains_waiting_messages_in_batches(name: str) -> None:
    broker = RedisBroker(URL)
    got: asyncio.Queue[int] = asyncio.Queue()

    @broker.subscriber(list=ListSub(name, max_records=50))
    async def handle(n: int) -> None:
        await got.put(n)

    async with broker:
        for i in range(120):  # waiting before the consumer starts
            await broker.publish(i, list=name)
        await broker.start()
        assert await collect(120, got) == list(range(120))
        client = Redis.from_url(URL)
        assert await client.llen(name) == 0
        await client.aclose()


async def test_list_consumer_survives_bad_messages(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    broker = RedisBroker(URL)
    got: asyncio.Queue[Item] = asyncio.Queue()

    @broker.subscriber(list=name)
    async def handle(item: Item) -> None:
        await got.put(item)

    client = Redis.from_url(URL)
    async with broker:
        await broker.start()
        await client.rpush(name, b'{"name": "x", "qty": "SECRET-VALUE"}', b"{not json", b"")
        await broker.publish(Item(name="ok", qty=3), list=name)
        assert await collect(1, got) == [Item(name="ok", qty=3)]
    await client.aclose()
    assert caplog.text.count("rejected a message") == 3
    assert "SECRET-VALUE" not in caplog.text


async def test_stream_group_acks_after_success_and_reclaims_failures(name: str) -> None:
    broker = RedisBroker(URL)
    attempts: dict[str, int] = {}
    done: asyncio.Queue[str] = asyncio.Queue()

    @broker.subscriber(
        stream=StreamSub(name, group="g", consumer="c1", min_idle_time=200, polling_interval=0.05),
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def handle(msg: str) -> None:
        attempts[msg] = attempts.get(msg, 0) + 1
        if msg == "flaky" and attempts[msg] == 1:
            raise RuntimeError("first try fails")
        await done.put(msg)

    client = Redis.from_url(URL)
    async with broker:
        await broker.start()
        await broker.publish("fine", stream=name)
        await broker.publish("flaky", stream=name)
        assert sorted(await collect(2, done)) == ["fine", "flaky"]
        pending = await client.xpending(name, "g")
        assert pending["pending"] == 0
    await client.aclose()
    assert attempts == {"fine": 1, "flaky": 2}


async def test_stream_reject_on_error_drops_the_entry(name: str) -> None:
    broker = RedisBroker(URL)
    seen: asyncio.Queue[str] = asyncio.Queue()

    @broker.subscriber(stream=StreamSub(name, group="g", polling_interval=0.05))
    async def handle(msg: str) -> None:
        await seen.put(msg)
        raise RuntimeError("always")

    client = Redis.from_url(URL)
    async with broker:
        await broker.start()
        await broker.publish("poison", stream=name)
        assert await collect(1, seen) == ["poison"]
        await asyncio.sleep(0.1)
        assert (await client.xpending(name, "g"))["pending"] == 0
    await client.aclose()


async def test_request_reply_and_timeout(name: str) -> None:
    broker = RedisBroker(URL)

    @broker.subscriber(name)
    async def handle(item: Item) -> Response:
        return Response({"total": item.qty * 2}, headers={"X-Handled": "yes"})

    async with broker:
        await broker.start()
        reply = await broker.request(Item(name="a", qty=21), name, timeout=5)
        assert reply.decoded() == {"total": 42}
        assert reply.headers["x-handled"] == "yes"
        with pytest.raises(TimeoutError):
            await broker.request("nobody", name + "-nobody", timeout=0.2)


async def test_publisher_decorator_and_headers(name: str) -> None:
    broker = RedisBroker(URL)
    out: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(name)
    @broker.publisher(name + "-out", headers={"x-source": "pipeline"})
    async def handle(msg: str) -> str:
        return msg.upper()

    @broker.subscriber(name + "-out")
    async def sink(msg: str) -> None:
        await out.put(msg)

    async with broker:
        await broker.start()
        await broker.publish("hi", name, correlation_id="cid-1")
        assert await collect(1, out) == ["HI"]


async def test_ping_and_unreachable_broker() -> None:
    broker = RedisBroker(URL)
    async with broker:
        assert await broker.ping(1.0)
    down = RedisBroker("redis://127.0.0.1:1")
    assert not await down.ping(0.5)
    with pytest.raises(ConnectionError):
        await down.connect()
    logging.getLogger("faststream_fastapi").info("done")

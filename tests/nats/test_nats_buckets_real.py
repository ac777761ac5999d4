"""Key-value and object store watches and ``ack_sync`` against the real NATS server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from io import BytesIO
from typing import Any

import pytest
from nats.aio.client import Client
from nats.js.kv import KeyValue

from faststream_fastapi import Path
from faststream_fastapi.core.errors import SetupError
from faststream_fastapi.nats import KvWatch, NatsBroker, NatsSub, ObjWatch
from faststream_fastapi.nats.annotations import NatsMessage, ObjectStorage
from support import collect

pytestmark = pytest.mark.nats
URL = "nats://127.0.0.1:4222"


@pytest.fixture
async def cleanup(name: str) -> AsyncIterator[str]:
    """The bucket / stream ``name``, deleted afterwards whatever the test made of it."""
    yield name
    nc = Client()
    await nc.connect(URL)
    try:
        js = nc.jetstream()
        for drop in (js.delete_key_value, js.delete_object_store, js.delete_stream):
            with contextlib.suppress(Exception):
                await drop(name)
    finally:
        await nc.close()


async def test_kv_watch_gets_each_new_value_of_matching_keys(cleanup: str) -> None:
    bucket = cleanup
    broker = NatsBroker(URL)
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber("user.{uid}", kv_watch=bucket)
    async def handle(value: Any, msg: NatsMessage, uid: str = Path()) -> None:
        await got.put((value, uid, msg.raw))

    async with broker:
        await broker.start()
        kv = await broker.key_value(bucket)
        assert await broker.key_value(bucket) is kv  # asked once per bucket
        await kv.put("other.1", b"not watched")
        revision = await kv.put("user.7", b"world")
        ((value, uid, raw),) = await collect(1, got)
        assert (value, uid) == (b"world", "7")
        assert isinstance(raw, KeyValue.Entry) and raw.revision == revision
        await asyncio.sleep(0.2)
        assert got.empty()


async def test_kv_watch_of_a_bucket_made_elsewhere_with_its_settings(cleanup: str) -> None:
    bucket = cleanup
    broker = NatsBroker(URL)
    got: asyncio.Queue[str] = asyncio.Queue()

    @broker.subscriber("k", kv_watch=KvWatch(bucket, declare=False, ignore_deletes=True))
    async def handle(value: str) -> None:
        await got.put(value)

    async with broker:
        await broker.connect()
        kv = await broker.key_value(bucket, history=5)  # created here, with history
        await broker.start()
        await kv.put("k", b"Hello!")
        await kv.delete("k")
        await kv.put("k", b"again")
        assert await collect(2, got) == ["Hello!", "again"]
        status = await kv.status()
        assert status.history == 5


async def test_kv_watch_without_declare_needs_the_bucket(cleanup: str) -> None:
    broker = NatsBroker(URL)

    @broker.subscriber("k", kv_watch=KvWatch(cleanup, declare=False))
    async def handle(value: str) -> None: ...

    async with broker:
        with pytest.raises(SetupError, match="does not exist"):
            await broker.start()
        with pytest.raises(SetupError, match="object store"):
            await broker.object_storage(cleanup, declare=False)


async def test_obj_watch_gets_names_and_the_store(cleanup: str) -> None:
    bucket = cleanup
    broker = NatsBroker(URL)
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(bucket, obj_watch=ObjWatch(ignore_deletes=True))
    async def handle(filename: str, storage: ObjectStorage) -> None:
        await got.put((filename, (await storage.get(filename)).data))

    async with broker:
        await broker.start()
        store = await broker.object_storage(bucket)
        assert await broker.object_storage(bucket) is store
        await store.put("file.txt", BytesIO(b"File mock"))
        assert await collect(1, got) == [("file.txt", b"File mock")]


async def test_ack_sync_returns_once_the_server_has_the_ack(cleanup: str) -> None:
    stream = cleanup
    broker = NatsBroker(URL)
    pending: asyncio.Queue[int] = asyncio.Queue()

    @broker.subscriber(stream, stream=stream, durable="d")
    async def handle(value: str, msg: NatsMessage) -> None:
        await msg.ack_sync()
        info = await broker.transport._jetstream().consumer_info(stream, "d")  # type: ignore[attr-defined]
        await pending.put(info.num_ack_pending)

    async with broker:
        await broker.start()
        await broker.publish("x", stream, stream=stream)
        # Asked right after ``ack_sync``, with the handler still running: acked.
        assert await collect(1, pending) == [0]


async def test_a_watch_pulls_one_update_at_a_time(cleanup: str) -> None:
    """What ``subscriber.get_one()`` of a watch returns: the next update, or ``None``."""
    bucket = cleanup
    broker = NatsBroker(URL)
    async with broker:
        await broker.start()
        transport: Any = broker.transport
        kv_puller = await transport.pull(NatsSub("k.*", kv_watch=KvWatch(bucket)))
        obj_puller = await transport.pull(NatsSub(bucket, obj_watch=ObjWatch()))
        try:
            assert await kv_puller.get_one(1e-24) is None
            await (await broker.key_value(bucket)).put("k.1", b"test_message")
            message = await kv_puller.get_one(5)
            assert message is not None and message.decoded() == b"test_message"
            await (await broker.object_storage(bucket)).put("f", b"data")
            message = await obj_puller.get_one(5)
            assert message is not None and message.decoded() == "f"
        finally:
            await kv_puller.close()
            await obj_puller.close()

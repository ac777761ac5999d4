"""Key-value and object store watches, ``ConsumerConfig`` and ``ack_sync`` under
``TestNatsBroker`` (no server): the in-memory buckets feed the watchers."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import nats.js.api
import nats.js.errors
import pytest
from nats.js.api import ObjectInfo
from nats.js.kv import KeyValue

from faststream_fastapi import Path
from faststream_fastapi.core.errors import SetupError
from faststream_fastapi.nats import (
    ConsumerConfig,
    DeliverPolicy,
    JStream,
    KvWatch,
    NatsBroker,
    ObjWatch,
    StreamConfig,
    TestNatsBroker,
)
from faststream_fastapi.nats.annotations import NatsMessage, ObjectStorage


def test_jetstream_settings_import_from_the_package() -> None:
    assert ConsumerConfig is nats.js.api.ConsumerConfig
    assert DeliverPolicy is nats.js.api.DeliverPolicy
    assert StreamConfig is nats.js.api.StreamConfig


async def test_kv_watch_gets_each_new_value_of_matching_keys(name: str) -> None:
    broker = NatsBroker()
    got: list[Any] = []

    @broker.subscriber("user.{uid}", kv_watch=name)
    async def handle(value: Any, uid: str = Path(), msg: NatsMessage = None) -> None:  # type: ignore[assignment]
        got.append((value, uid, msg.raw))

    async with TestNatsBroker(broker) as br:
        kv = await br.key_value(name)
        assert await br.key_value(name) is kv  # one per bucket
        revision = await kv.put("user.7", b"world")
        await kv.put("other.7", b"not watched")
        assert (await kv.get("user.7")).value == b"world"
        handle.mock.assert_called_once_with(b"world")

    ((value, uid, raw),) = got
    assert (value, uid) == (b"world", "7")  # bytes, as FastStream 0.5 gives them
    assert isinstance(raw, KeyValue.Entry)
    assert (raw.bucket, raw.key, raw.revision) == (name, "user.7", revision)


async def test_kv_watch_options_ignore_deletes_and_a_str_handler(name: str) -> None:
    broker = NatsBroker()
    got: list[str] = []

    @broker.subscriber("k", kv_watch=KvWatch(name, ignore_deletes=True))
    async def handle(value: str) -> None:
        got.append(value)

    async with TestNatsBroker(broker) as br:
        kv = await br.key_value(name)
        await kv.put("k", b"Hello!")
        await kv.delete("k")
        with pytest.raises(nats.js.errors.KeyNotFoundError):
            await kv.get("k")
    assert got == ["Hello!"]


async def test_kv_watch_does_not_get_plain_publishes(name: str) -> None:
    broker = NatsBroker()

    @broker.subscriber("k", kv_watch=name)
    async def watched(value: bytes) -> None: ...

    @broker.subscriber("k")
    async def plain(value: str) -> None: ...

    async with TestNatsBroker(broker) as br:
        await br.publish("hi", "k")
        assert not watched.mock.called
        plain.mock.assert_called_once_with("hi")


async def test_obj_watch_gets_names_and_the_store_through_the_annotation(name: str) -> None:
    broker = NatsBroker()
    got: list[Any] = []

    @broker.subscriber(name, obj_watch=True)
    async def handle(filename: str, storage: ObjectStorage, msg: NatsMessage) -> None:
        got.append((filename, (await storage.get(filename)).data, msg.raw))

    async with TestNatsBroker(broker) as br:
        store = await br.object_storage(name)
        await store.put("file.txt", BytesIO(b"File mock"))

    ((filename, data, raw),) = got
    assert (filename, data) == ("file.txt", b"File mock")
    assert isinstance(raw, ObjectInfo) and raw.bucket == name


async def test_obj_watch_ignore_deletes(name: str) -> None:
    broker = NatsBroker()
    got: list[str] = []

    @broker.subscriber(name, obj_watch=ObjWatch(ignore_deletes=True))
    async def handle(filename: str) -> None:
        got.append(filename)

    async with TestNatsBroker(broker) as br:
        store = await br.object_storage(name)
        await store.put("a", b"1")
        await store.delete("a")
        with pytest.raises(nats.js.errors.ObjectNotFoundError):
            await store.get("a")
    assert got == ["a"]


def test_watch_options_exclude_subscription_options() -> None:
    broker = NatsBroker()
    with pytest.raises(SetupError, match="exclude each other"):
        broker.subscriber("k", kv_watch="b", obj_watch=True)
    for options in (
        {"stream": JStream("s")},
        {"queue": "q"},
        {"durable": "d"},
        {"pull_sub": True},
        {"config": ConsumerConfig()},
        {"pending_msgs_limit": 10},
    ):
        with pytest.raises(SetupError, match="watches a bucket"):
            broker.subscriber("k", kv_watch="b", **options)  # type: ignore[arg-type]
        with pytest.raises(SetupError, match="watches a bucket"):
            broker.subscriber("k", obj_watch=True, **options)  # type: ignore[arg-type]


def test_watches_are_no_asyncapi_channels() -> None:
    broker = NatsBroker()

    @broker.subscriber("test", kv_watch="test")
    async def kv(value: bytes) -> None: ...

    @broker.subscriber("test", obj_watch=True)
    async def obj(name: str) -> None: ...

    assert [s.spec.asyncapi_channels(receive=True) for s in broker.subscribers] == [[], []]


async def test_ack_sync_settles_under_the_test_broker(name: str) -> None:
    broker = NatsBroker()
    seen: list[Any] = []

    @broker.subscriber(name, stream=name)
    async def handle(value: str, msg: NatsMessage) -> None:
        await msg.ack_sync()
        seen.append(msg.settled)

    async with TestNatsBroker(broker) as br:
        await br.publish("x", name, stream=name)
    assert seen == ["ack"]

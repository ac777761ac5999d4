"""NATS pull batches (``PullSub(batch=True)``) and ``get_one``: on the server and
under ``TestNatsBroker``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from nats.aio.client import Client
from pydantic import BaseModel

from faststream_fastapi import AckPolicy
from faststream_fastapi.nats import JStream, NatsBroker, PullSub, TestNatsBroker
from faststream_fastapi.nats.fastapi import NatsMessage
from support import collect, memory_and_real, running, until

URL = "nats://127.0.0.1:4222"


class Item(BaseModel):
    n: int


mode = memory_and_real(pytest.mark.nats)


@pytest.fixture
async def stream(name: str) -> AsyncIterator[JStream]:
    """A stream of the test's own subjects (``<name>.>``), deleted afterwards."""
    yield JStream(name, subjects=[f"{name}.>"])
    nc = Client()
    with contextlib.suppress(Exception):
        await nc.connect(URL)
        with contextlib.suppress(Exception):
            await nc.jetstream().delete_stream(name)
        await nc.close()


async def test_pull_batch_gets_each_fetch_as_a_list(name: str, stream: JStream, mode: str) -> None:
    broker = NatsBroker(URL)
    got: asyncio.Queue[Any] = asyncio.Queue()
    subject = f"{name}.jobs"

    @broker.subscriber(
        subject, stream=stream, durable="d", pull_sub=PullSub(10, batch=True, timeout=0.2)
    )
    async def handle(items: list[Item], msg: NatsMessage) -> None:
        await got.put((items, [h.get("x") for h in msg.batch_headers]))

    async with running(broker, mode, TestNatsBroker) as br:
        await br.publish(Item(n=1), subject, stream=stream.name, headers={"x": "a"})
        (items, headers), *_ = await collect(1, got)
        assert (items, headers) == ([Item(n=1)], ["a"])


@pytest.mark.nats
async def test_pull_batch_takes_what_waits_up_to_batch_size(name: str, stream: JStream) -> None:
    broker = NatsBroker(URL)
    got: asyncio.Queue[list[int]] = asyncio.Queue()
    subject = f"{name}.jobs"

    @broker.subscriber(
        subject, stream=stream, durable="d", pull_sub=PullSub(3, batch=True, timeout=0.2)
    )
    async def handle(items: list[int]) -> None:
        await got.put(items)

    async with broker:
        for i in range(5):  # stored before the consumer fetches
            await broker.publish(i, subject, stream=stream)
        await broker.start()
        assert await collect(2, got) == [[0, 1, 2], [3, 4]]


@pytest.mark.nats
async def test_a_failed_pull_batch_is_redelivered_whole_under_nack_on_error(
    name: str, stream: JStream
) -> None:
    broker = NatsBroker(URL)
    calls: list[list[int]] = []
    subject = f"{name}.jobs"

    @broker.subscriber(
        subject,
        stream=stream,
        durable="d",
        pull_sub=PullSub(5, batch=True, timeout=0.2),
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def handle(items: list[int]) -> None:
        calls.append(items)
        if len(calls) == 1:
            raise RuntimeError("the first try fails")

    async with broker:
        for i in range(3):
            await broker.publish(i, subject, stream=stream)
        await broker.start()
        await until(lambda: len(calls) >= 2, 10, "the batch again")
    assert calls[0] == [0, 1, 2]
    assert sorted(i for batch in calls[1:] for i in batch) == [0, 1, 2]


# -- get_one ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["core", "push", "pull"])
async def test_get_one_pulls_one_message_or_times_out(
    name: str, stream: JStream, mode: str, kind: str
) -> None:
    broker = NatsBroker(URL)
    subject = f"{name}.s"
    options: dict[str, Any] = {
        "core": {},
        "push": {"stream": stream},
        "pull": {"stream": stream, "pull_sub": PullSub(1)},
    }[kind]
    sub = broker.subscriber(subject, **options)
    publish = {} if kind == "core" else {"stream": stream.name}

    async with running(broker, mode, TestNatsBroker) as br:
        assert await sub.get_one(timeout=1e-24) is None
        await br.publish(Item(n=1), subject, **publish)
        await br.publish(Item(n=2), subject, **publish)
        first = await sub.get_one(timeout=3)
        assert first is not None and first.decoded() == {"n": 1}
        await first.ack()
        second = await sub.get_one(timeout=3)
        assert second is not None and second.decoded() == {"n": 2}
        await second.ack()
        assert await sub.get_one(timeout=0.05) is None


async def test_get_one_of_a_pull_batch(name: str, stream: JStream, mode: str) -> None:
    broker = NatsBroker(URL)
    subject = f"{name}.s"
    sub = broker.subscriber(subject, stream=stream, pull_sub=PullSub(5, batch=True))

    async with running(broker, mode, TestNatsBroker) as br:
        await br.publish(1, subject, stream=stream.name)
        msg = await sub.get_one(timeout=3)
        assert msg is not None and msg.decoded() == [1]
        await msg.ack()


async def test_get_one_refuses_a_subscriber_with_a_handler(name: str, mode: str) -> None:
    broker = NatsBroker(URL)
    sub = broker.subscriber(name)

    @sub
    async def handle(body: str) -> None: ...

    async with running(broker, mode, TestNatsBroker):
        with pytest.raises(AssertionError):
            await sub.get_one(timeout=1e-24)


async def test_binary_items_stay_bytes_in_a_batch(name: str, stream: JStream, mode: str) -> None:
    broker = NatsBroker(URL)
    got: asyncio.Queue[Any] = asyncio.Queue()
    subject = f"{name}.jobs"

    @broker.subscriber(subject, stream=stream, pull_sub=PullSub(1, batch=True, timeout=0.2))
    async def handle(items):  # type: ignore[no-untyped-def]  # unannotated, as in 0.5
        await got.put(items)

    async with running(broker, mode, TestNatsBroker) as br:
        await br.publish(b"hello", subject)  # bytes, as one message would get them
        await br.publish("text", subject)
        await br.publish([1, 2], subject)
        assert await collect(3, got) == [[b"hello"], ["text"], [[1, 2]]]

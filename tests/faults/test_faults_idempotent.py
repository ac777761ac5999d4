"""A failed publish that was stored anyway, and the retry that must not store it twice.

JetStream: the path to the server stalls (a ``TcpRelay`` that stops forwarding and
closes nothing) while a publish waits for its acknowledgement; the publish raises,
the message reaches the stream once the path resumes, and the caller's retry with
the ``message_id`` of the error is dropped by the stream as a duplicate: the stream
holds one copy. Every JetStream publish carries a ``Nats-Msg-Id`` of its own.

Kafka: the producer is idempotent by default (the broker drops a record the client
sends again after a lost acknowledgement), with both clients, as far as the
Kafka-compatible test broker allows: see ``test_aiokafka_*``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from faststream_fastapi.core.errors import PublishError
from faststream_fastapi.nats import JStream, NatsBroker, NatsMessage
from support import TcpRelay

NATS = "nats://127.0.0.1:4222"


@contextlib.asynccontextmanager
async def _stream(broker: NatsBroker, name: str) -> AsyncIterator[Any]:
    """The broker's JetStream context, with stream ``name`` deleted on exit."""
    js = broker.transport._jetstream()  # type: ignore[attr-defined]
    try:
        yield js
    finally:
        with contextlib.suppress(Exception):
            await js.delete_stream(name)


async def _stored(js: Any, name: str, count: int, timeout: float = 10.0) -> int:
    """The stream's message count once it reaches ``count`` (or after ``timeout``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        messages = int((await js.stream_info(name)).state.messages)
        if messages >= count or loop.time() > deadline:
            return messages
        await asyncio.sleep(0.05)


@pytest.mark.nats
async def test_jetstream_publish_lost_in_a_stall_is_stored_once_after_a_retry(
    name: str,
) -> None:
    relay = TcpRelay(4222)
    port = await relay.start()
    broker = NatsBroker(f"nats://127.0.0.1:{port}")
    try:
        async with broker:
            await broker.start()
            async with _stream(broker, name) as js:
                await broker.publish("warm-up", name, stream=name)  # the stream exists
                relay.stall()
                with pytest.raises(PublishError) as failed:
                    await broker.publish("order-1", name, stream=name, timeout=0.5)
                message_id = failed.value.message_id
                assert message_id, "the error names the id a retry reuses"
                relay.resume()
                # The publish that raised was stored all the same ("maybe sent").
                assert await _stored(js, name, 2) == 2

                ack = await broker.publish("order-1", name, stream=name, message_id=message_id)
                assert ack.duplicate, ack
                assert await _stored(js, name, 3, timeout=0.5) == 2
                stored = await js.get_msg(name, seq=2)
                assert stored.headers["Nats-Msg-Id"] == message_id
                assert stored.data == b"order-1"
    finally:
        await relay.close()


@pytest.mark.nats
async def test_jetstream_publishes_carry_an_id_of_their_own(name: str) -> None:
    broker = NatsBroker(NATS)
    got: asyncio.Queue[tuple[str | None, str]] = asyncio.Queue()
    stream = JStream(name, subjects=[f"{name}.>"])

    @broker.subscriber(f"{name}.in", stream=stream)
    async def handle(body: str, message: NatsMessage) -> None:
        got.put_nowait((message.message_id, message.headers.get("nats-msg-id") or ""))

    publisher = broker.publisher(f"{name}.in", stream=stream)
    async with broker:
        await broker.start()
        async with _stream(broker, name) as js:
            first = await broker.publish("same", f"{name}.in", stream=name)
            second = await broker.publish("same", f"{name}.in", stream=name)
            chosen = await broker.publish("same", f"{name}.in", stream=name, message_id="mine")
            again = await publisher.publish("same", message_id="mine")
            own = await publisher.publish("same", headers={"Nats-Msg-Id": "header"})
            assert not (first.duplicate or second.duplicate or chosen.duplicate)
            assert again.duplicate and not own.duplicate
            assert await _stored(js, name, 4) == 4
            ids = [await asyncio.wait_for(got.get(), 10) for _ in range(4)]
            # Each stored message's id is its Nats-Msg-Id: generated ones differ.
            assert all(message_id == header for message_id, header in ids), ids
            generated = {ids[0][0], ids[1][0]}
            assert len(generated) == 2 and None not in generated
            assert [i for i, _ in ids[2:]] == ["mine", "header"]


@pytest.mark.nats
async def test_core_nats_publishes_carry_no_id_unless_given(name: str) -> None:
    broker = NatsBroker(NATS)
    got: asyncio.Queue[dict[str, str]] = asyncio.Queue()

    @broker.subscriber(name)
    async def handle(body: str, message: NatsMessage) -> None:
        got.put_nowait(dict(message.headers))

    async with broker:
        await broker.start()
        await broker.publish("plain", name)
        await broker.publish("chosen", name, message_id="m-1")
        plain = await asyncio.wait_for(got.get(), 10)
        chosen = await asyncio.wait_for(got.get(), 10)
    assert "nats-msg-id" not in plain, plain
    assert chosen["nats-msg-id"] == "m-1"

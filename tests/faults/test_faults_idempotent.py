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
import logging
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


@pytest.mark.nats
async def test_jetstream_retry_and_dead_letter_copies_have_ids_of_their_own(name: str) -> None:
    """A retry copy's id is derived from the original's, so publishing the same copy
    twice (the original redelivered before its ack) stores it once."""
    broker = NatsBroker(NATS)
    stream = JStream(name, subjects=[f"{name}.>"])
    seen: asyncio.Queue[str] = asyncio.Queue()
    dead = broker.publisher(f"{name}.dead", stream=stream)

    @broker.subscriber(f"{name}.in", stream=stream, max_retries=2, dead_letter=dead)
    async def handle(body: str, message: NatsMessage) -> None:
        seen.put_nowait(message.headers.get("nats-msg-id") or "")
        raise RuntimeError("always")

    @broker.subscriber(f"{name}.dead", stream=stream)
    async def dead_letter(body: str, message: NatsMessage) -> None:
        seen.put_nowait("dead:" + (message.headers.get("nats-msg-id") or ""))

    async with broker:
        await broker.start()
        async with _stream(broker, name) as js:
            await broker.publish("poison", f"{name}.in", stream=name, message_id="m-7")
            got = {await asyncio.wait_for(seen.get(), 10) for _ in range(4)}
            assert got == {"m-7", "m-7.retry1", "m-7.retry2", "dead:m-7.dead"}, got
            again = await broker.publish(
                "poison", f"{name}.in", stream=name, headers={"Nats-Msg-Id": "m-7.retry1"}
            )
            assert again.duplicate, "the retry copy's id is the one the stream keeps"
            assert await _stored(js, name, 5, timeout=0.5) == 4


# -- Kafka ----------------------------------------------------------------------------

KAFKA = "127.0.0.1:9092"


async def _round_trip(broker: Any, name: str) -> list[str]:
    """Publish two records through ``broker`` and read them back in a group."""
    got: asyncio.Queue[str] = asyncio.Queue()

    @broker.subscriber(name, group_id=name, auto_offset_reset="earliest")
    async def handle(body: str) -> None:
        got.put_nowait(body)

    async with broker:
        await broker.start()
        await broker.publish("one", name)
        await broker.publish("two", name)
        return [await asyncio.wait_for(got.get(), 30) for _ in range(2)]


@pytest.mark.kafka
async def test_confluent_producer_is_idempotent_by_default(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    from faststream_fastapi.confluent import KafkaBroker

    caplog.set_level(logging.DEBUG, "faststream_fastapi.confluent")
    # librdkafka's own account of the idempotent producer, through the broker's logger.
    broker = KafkaBroker(KAFKA, debug="eos")
    assert sorted(await _round_trip(broker, name)) == ["one", "two"]  # any partitions
    assert broker.transport.idempotent  # type: ignore[attr-defined]
    text = caplog.text
    assert "Acquired PID" in text, "the cluster assigned the producer an id"
    assert "Idempotent producer state change WaitPID -> Assigned" in text


@pytest.mark.kafka
@pytest.mark.parametrize(
    ("options", "idempotent"),
    [({}, True), ({"enable_idempotence": False}, False), ({"acks": 1}, False)],
    ids=["default", "off", "acks-1"],
)
async def test_confluent_idempotence_follows_the_options(
    options: dict[str, Any], idempotent: bool
) -> None:
    from faststream_fastapi.confluent import KafkaBroker

    broker = KafkaBroker(KAFKA, **options)
    async with broker:
        await broker.start()
        assert broker.transport.idempotent is idempotent  # type: ignore[attr-defined]


@pytest.mark.kafka
async def test_aiokafka_producer_tries_idempotence_and_says_when_refused(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    """tansu 0.6 grants an idempotent producer only to an ``InitProducerId`` of
    version 3 or later (with producer id and epoch -1); aiokafka sends version 0,
    which it answers with error -1 (unknown). A real Kafka grants it. The broker
    then publishes without idempotence, and says so at WARNING."""
    from faststream_fastapi.kafka import KafkaBroker

    caplog.set_level(logging.WARNING)
    broker = KafkaBroker(KAFKA)
    assert sorted(await _round_trip(broker, name)) == ["one", "two"]  # any partitions
    # The real client asked for a producer id (aiokafka logs the refusal itself).
    assert "InitProducerIdRequest" in caplog.text
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("faststream_fastapi")]
    assert any(
        "refused an idempotent producer (InitProducerId: [Error -1] UnknownError)" in w
        and "enable_idempotence=False" in w
        for w in warnings
    ), warnings
    assert broker.transport.idempotent is False  # type: ignore[attr-defined]


@pytest.mark.kafka
async def test_aiokafka_required_idempotence_fails_start_naming_the_cause() -> None:
    from faststream_fastapi.kafka import KafkaBroker

    broker = KafkaBroker(KAFKA, enable_idempotence=True)
    with pytest.raises(ConnectionError, match="refused an idempotent producer"):
        await broker.start()
    await broker.close()


@pytest.mark.kafka
@pytest.mark.parametrize("options", [{"enable_idempotence": False}, {"acks": 1}])
async def test_aiokafka_idempotence_off_by_choice_is_quiet(
    options: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    from faststream_fastapi.kafka import KafkaBroker

    caplog.set_level(logging.WARNING)
    broker = KafkaBroker(KAFKA, **options)
    async with broker:
        await broker.start()
        assert broker.transport.idempotent is False  # type: ignore[attr-defined]
    assert "InitProducerId" not in caplog.text

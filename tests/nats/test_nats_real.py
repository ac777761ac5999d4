"""The NATS transport against the real server: core subjects, queue groups, JetStream."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path as FilePath
from typing import Annotated, Any

import pytest
from fastapi import Header, Path
from nats.aio.client import Client
from nats.js.api import ConsumerConfig
from pydantic import BaseModel

from faststream_fastapi import AckPolicy
from faststream_fastapi.core.errors import BrokerConnectionError, PublishError
from faststream_fastapi.nats import JStream, NatsBroker, PullSub
from faststream_fastapi.nats.fastapi import NatsMessage
from support import collect

pytestmark = pytest.mark.nats
URL = "nats://127.0.0.1:4222"


class Item(BaseModel):
    name: str
    qty: int


@pytest.fixture
async def streams() -> AsyncIterator[list[str]]:
    """Names of JetStream streams a test creates; deleted afterwards."""
    names: list[str] = []
    yield names
    if names:
        nc = Client()
        await nc.connect(URL)
        try:
            js = nc.jetstream()
            for stream in names:
                with contextlib.suppress(Exception):
                    await js.delete_stream(stream)
        finally:
            await nc.close()


async def consumer_info(stream: str, durable: str) -> Any:
    nc = Client()
    await nc.connect(URL)
    try:
        return await nc.jetstream().consumer_info(stream, durable)
    finally:
        await nc.close()


# -- core NATS -----------------------------------------------------------------------


async def test_model_headers_and_path_params(name: str) -> None:
    broker = NatsBroker(URL)
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(name + ".{level}")
    async def handle(
        item: Item,
        level: Annotated[str, Path()],
        x_request_id: Annotated[str, Header()],
    ) -> None:
        await got.put((level, item, x_request_id))

    async with broker:
        await broker.start()
        assert await broker.ping(1.0)
        await broker.publish(Item(name="a", qty=1), f"{name}.warn", headers={"X-Request-ID": "r1"})
        await broker.publish(Item(name="b", qty=2), f"{name}.info", headers={"x-request-id": "r2"})
        # Two tokens: ``{level}`` matches exactly one.
        await broker.publish(Item(name="c", qty=3), f"{name}.a.b", headers={"x-request-id": "r3"})
        assert sorted(await collect(2, got)) == [
            ("info", Item(name="b", qty=2), "r2"),
            ("warn", Item(name="a", qty=1), "r1"),
        ]
        await asyncio.sleep(0.1)
        assert got.empty()
    assert not await broker.ping(0.5)


async def test_queue_group_handles_each_message_once(name: str) -> None:
    broker = NatsBroker(URL)
    got: asyncio.Queue[tuple[str, int]] = asyncio.Queue()

    @broker.subscriber(name, "workers")
    async def first(n: int) -> None:
        await got.put(("first", n))

    @broker.subscriber(name, "workers")
    async def second(n: int) -> None:
        await got.put(("second", n))

    async with broker:
        await broker.start()
        for n in range(40):
            await broker.publish(n, name)
        handled = await collect(40, got)
        await asyncio.sleep(0.1)
        assert got.empty()
    assert sorted(n for _, n in handled) == list(range(40))
    # Both members took part (40 messages, random distribution: ~1e-12 to fail).
    assert {who for who, _ in handled} == {"first", "second"}


async def test_request_reply_with_return_value(name: str) -> None:
    broker = NatsBroker(URL)

    @broker.subscriber(name)
    async def double(item: Item, message: NatsMessage) -> Item:
        assert message.reply_to  # the native inbox
        return Item(name=item.name, qty=item.qty * 2)

    async with broker:
        await broker.start()
        reply = await broker.request(Item(name="x", qty=21), name, correlation_id="c-1", timeout=2)
    assert Item.model_validate_json(reply.body) == Item(name="x", qty=42)
    assert reply.correlation_id == "c-1"
    assert reply.headers["Content-Type"] == "application/json"


async def test_request_without_responder_times_out(name: str) -> None:
    async with NatsBroker(URL) as broker:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await broker.request("anyone?", name, timeout=1.0)
        assert time.monotonic() - started < 1.5


async def test_publisher_decorator_publishes_return_value(name: str) -> None:
    broker = NatsBroker(URL)
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(f"{name}.in")
    @broker.publisher(f"{name}.out", headers={"x-origin": "double"})
    async def double(n: int) -> int:
        return n * 2

    @broker.subscriber(f"{name}.out")
    async def sink(n: int, origin: Annotated[str, Header(alias="X-Origin")]) -> None:
        await got.put((n, origin))

    async with broker:
        await broker.start()
        await broker.publish(21, f"{name}.in")
        assert await collect(1, got) == [(42, "double")]


async def test_malformed_message_is_logged_without_payload(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    broker = NatsBroker(URL)
    got: asyncio.Queue[Item] = asyncio.Queue()

    @broker.subscriber(name)
    async def handle(item: Item) -> None:
        await got.put(item)

    caplog.set_level(logging.ERROR, logger="faststream_fastapi")
    async with broker:
        await broker.start()
        secret = b'{"name": "TOP-SECRET-PAYLOAD", "qty": '
        await broker.publish(secret, name, headers={"content-type": "application/json"})
        await broker.publish({"name": "TOP-SECRET-TOO", "qty": "many"}, name)
        await broker.publish(Item(name="ok", qty=1), name)
        assert await collect(1, got) == [Item(name="ok", qty=1)]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 2
    assert "TOP-SECRET" not in caplog.text


async def test_stop_lets_the_message_in_hand_finish(name: str) -> None:
    broker = NatsBroker(URL)
    started, finished = asyncio.Event(), asyncio.Event()

    @broker.subscriber(name)
    async def slow(n: int) -> None:
        started.set()
        await asyncio.sleep(0.3)
        finished.set()

    await broker.start()
    await broker.publish(1, name)
    await asyncio.wait_for(started.wait(), 5)
    await broker.close()
    assert finished.is_set()


@pytest.mark.parametrize("pull", [False, True], ids=["core", "pull"])
async def test_dead_consumption_is_not_alive(name: str, pull: bool, streams: list[str]) -> None:
    broker = NatsBroker(URL)
    options: dict[str, Any] = {}
    if pull:
        streams.append(name)
        options = {"stream": name, "pull_sub": PullSub(timeout=5)}

    @broker.subscriber(name, **options)
    async def handle(n: int) -> None: ...

    await broker.start()
    try:
        consumption = broker.subscribers[0].consumption
        assert consumption is not None and consumption.alive
        client = broker.transport.client  # type: ignore[attr-defined]
        await client.close()  # the connection dies under the subscription
        deadline = time.monotonic() + 5
        while consumption.alive:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        assert not await broker.ping(0.5)
    finally:
        await broker.close()


async def test_unreachable_server_fails_start_quickly() -> None:
    broker = NatsBroker("nats://127.0.0.1:1", connect_timeout=1)
    started = time.monotonic()
    with pytest.raises(BrokerConnectionError, match=r"127\.0\.0\.1:1"):
        await broker.start()
    assert time.monotonic() - started < 4
    assert not await broker.ping(0.1)


# -- JetStream -----------------------------------------------------------------------


async def test_push_consumer_acks_on_success(name: str, streams: list[str]) -> None:
    streams.append(name)
    broker = NatsBroker(URL)
    got: asyncio.Queue[Item] = asyncio.Queue()

    @broker.subscriber(f"{name}.orders", stream=name, durable="d")
    async def handle(item: Item) -> None:
        await got.put(item)

    async with broker:
        await broker.start()
        ack = await broker.publish(Item(name="a", qty=1), f"{name}.orders", stream=name)
        assert ack.stream == name and ack.seq == 1
        assert await collect(1, got) == [Item(name="a", qty=1)]
        await asyncio.sleep(0.1)
        info = await consumer_info(name, "d")
    assert info.num_ack_pending == 0
    assert info.ack_floor.stream_seq == 1
    assert info.num_redelivered == 0


async def test_push_consumer_nack_on_error_redelivers(name: str, streams: list[str]) -> None:
    streams.append(name)
    broker = NatsBroker(URL)
    attempts: asyncio.Queue[int] = asyncio.Queue()

    @broker.subscriber(name, stream=name, ack_policy=AckPolicy.NACK_ON_ERROR)
    async def flaky(n: int, message: NatsMessage) -> None:
        delivered = message.raw.metadata.num_delivered
        await attempts.put(delivered)
        if delivered == 1:
            raise RuntimeError("transient")

    async with broker:
        await broker.start()
        await broker.publish(7, name, stream=name)
        assert await collect(2, attempts) == [1, 2]


async def test_push_consumer_terminates_on_error_by_default(name: str, streams: list[str]) -> None:
    streams.append(name)
    broker = NatsBroker(URL)
    attempts: asyncio.Queue[int] = asyncio.Queue()

    @broker.subscriber(name, stream=name, durable="d", config=ConsumerConfig(ack_wait=0.5))
    async def broken(n: int) -> None:
        await attempts.put(n)
        raise RuntimeError("permanent")

    async with broker:
        await broker.start()
        await broker.publish(7, name, stream=name)
        assert await collect(1, attempts) == [7]
        # Past ack_wait: an unsettled message would have come back by now.
        await asyncio.sleep(0.8)
        assert attempts.empty()
        info = await consumer_info(name, "d")
    assert info.num_ack_pending == 0
    assert info.num_redelivered == 0


async def test_pull_consumer_fetches_in_batches(name: str, streams: list[str]) -> None:
    streams.append(name)
    stream = JStream(name, subjects=[f"{name}.>"])
    broker = NatsBroker(URL)
    got: asyncio.Queue[tuple[int, int]] = asyncio.Queue()

    @broker.subscriber(
        f"{name}.jobs", stream=stream, durable="w", pull_sub=PullSub(batch_size=5, timeout=0.5)
    )
    async def work(n: int, message: NatsMessage) -> None:
        await got.put((n, message.raw.metadata.sequence.stream))

    async with broker:
        # Waiting before the consumer exists: the first fetch takes all five.
        for n in range(5):
            await broker.publish(n, f"{name}.jobs", stream=stream)
        await broker.start()
        assert await collect(5, got) == [(n, n + 1) for n in range(5)]
        await asyncio.sleep(0.1)
        info = await consumer_info(name, "w")
    assert info.ack_floor.stream_seq == 5
    assert info.num_ack_pending == 0


async def test_malformed_jetstream_message_is_terminated(
    name: str, streams: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    streams.append(name)
    broker = NatsBroker(URL)
    got: asyncio.Queue[Item] = asyncio.Queue()

    @broker.subscriber(
        name,
        stream=name,
        durable="d",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        config=ConsumerConfig(ack_wait=0.5),
    )
    async def handle(item: Item) -> None:
        await got.put(item)

    caplog.set_level(logging.ERROR, logger="faststream_fastapi")
    async with broker:
        await broker.start()
        await broker.publish(
            b"{not json SECRET", name, stream=name, headers={"content-type": "application/json"}
        )
        await broker.publish(Item(name="ok", qty=1), name, stream=name)
        assert await collect(1, got) == [Item(name="ok", qty=1)]
        await asyncio.sleep(0.7)
        info = await consumer_info(name, "d")
    assert info.num_ack_pending == 0 and info.num_redelivered == 0
    assert "SECRET" not in caplog.text
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1


async def test_request_to_a_jetstream_subscriber(name: str, streams: list[str]) -> None:
    streams.append(name)
    broker = NatsBroker(URL)

    @broker.subscriber(name, stream=name)
    async def echo(text: str) -> str:
        return text.upper()

    async with broker:
        await broker.start()
        reply = await broker.request("hi", name, stream=name, timeout=2)
    assert reply.decode() == "HI"


async def test_publish_to_subject_without_stream_fails(name: str) -> None:
    async with NatsBroker(URL) as broker:
        with pytest.raises(PublishError, match=name):
            await broker.publish("x", name, stream=JStream(name, declare=False), timeout=1)


async def test_stream_is_widened_not_duplicated(name: str, streams: list[str]) -> None:
    streams.append(name)
    broker = NatsBroker(URL)
    got: asyncio.Queue[str] = asyncio.Queue()

    @broker.subscriber(f"{name}.one", stream=name)
    async def one(text: str) -> None:
        await got.put(f"one:{text}")

    @broker.subscriber(f"{name}.two", stream=name)
    async def two(text: str) -> None:
        await got.put(f"two:{text}")

    async with broker:
        await broker.start()
        await broker.publish("a", f"{name}.one", stream=name)
        await broker.publish("b", f"{name}.two", stream=name)
        assert sorted(await collect(2, got)) == ["one:a", "two:b"]
        js = broker.transport.client.jetstream()  # type: ignore[attr-defined]
        info = await js.stream_info(name)
    assert sorted(info.config.subjects) == [f"{name}.one", f"{name}.two"]


async def test_stopping_a_pull_consumer_returns_the_rest_of_its_batch(
    name: str, streams: list[str]
) -> None:
    streams.append(name)

    def make(record: asyncio.Queue[int], delay: float) -> NatsBroker:
        broker = NatsBroker(URL)

        @broker.subscriber(name, stream=name, durable="w", pull_sub=PullSub(3, timeout=0.5))
        async def work(n: int) -> None:
            await record.put(n)
            await asyncio.sleep(delay)

        return broker

    first: asyncio.Queue[int] = asyncio.Queue()
    broker = make(first, 0.3)
    async with broker:
        for n in range(3):
            await broker.publish(n, name, stream=name)
        await broker.start()
        assert await collect(1, first) == [0]
    # Closed while handling 0: it finished and was acked; 1 and 2 went back.
    assert first.empty()
    second: asyncio.Queue[int] = asyncio.Queue()
    async with make(second, 0) as again:
        await again.start()
        assert await collect(2, second) == [1, 2]


async def test_reconnects_after_the_server_restarts(name: str) -> None:
    binary = shutil.which("nats-server") or str(SERVER_BINARY)
    assert os.access(binary, os.X_OK), f"nats-server not found (tried {binary})"
    port = _free_port()

    async def launch() -> asyncio.subprocess.Process:
        proc = await asyncio.create_subprocess_exec(
            binary,
            "-a",
            "127.0.0.1",
            "-p",
            str(port),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await _until_listening(port)
        return proc

    server = await launch()
    broker = NatsBroker(f"nats://127.0.0.1:{port}", reconnect_time_wait=0.1)
    got: asyncio.Queue[int] = asyncio.Queue()

    @broker.subscriber(name)
    async def handle(n: int) -> None:
        await got.put(n)

    try:
        async with broker:
            await broker.start()
            await broker.publish(1, name)
            assert await collect(1, got) == [1]
            server.terminate()
            await asyncio.wait_for(server.wait(), 5)
            assert not await broker.ping(0.5)
            server = await launch()
            # Resubscribed by nats-py on reconnect: messages flow again.
            deadline = time.monotonic() + 10
            while not await broker.ping(0.5):
                assert time.monotonic() < deadline, "no reconnect"
                await asyncio.sleep(0.05)
            await broker.publish(2, name)
            assert await collect(1, got) == [2]
            assert broker.subscribers[0].consumption.alive  # type: ignore[union-attr]
    finally:
        if server.returncode is None:
            server.terminate()
            await asyncio.wait_for(server.wait(), 5)


SERVER_BINARY = FilePath(__file__).parents[2] / ".brokers" / "venv" / "bin" / "nats-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _until_listening(port: int) -> None:
    deadline = time.monotonic() + 5
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            assert time.monotonic() < deadline, "nats-server did not start"
            await asyncio.sleep(0.02)
        else:
            writer.close()
            await writer.wait_closed()
            return


async def test_reply_to_and_jetstream_publisher(name: str, streams: list[str]) -> None:
    streams.append(name)
    broker = NatsBroker(URL)
    got: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    @broker.subscriber(f"{name}.core")
    async def core(n: int) -> int:
        return n + 1

    @broker.subscriber(f"{name}.js", stream=name)
    @broker.publisher(f"{name}.stored", stream=name)
    async def stored(n: int) -> int:
        return n * 10

    @broker.subscriber(f"{name}.stored", stream=name, durable="s")
    async def sink(n: int) -> None:
        await got.put(("stored", n))

    @broker.subscriber(f"{name}.replies")
    async def replies(n: int, message: NatsMessage) -> None:
        await got.put((message.correlation_id, n))

    async with broker:
        await broker.start()
        # Core: the native reply subject; JetStream: a reply_to header.
        await broker.publish(1, f"{name}.core", reply_to=f"{name}.replies", correlation_id="a")
        await broker.publish(
            2, f"{name}.js", stream=name, reply_to=f"{name}.replies", correlation_id="b"
        )
        assert sorted(await collect(3, got), key=str) == [
            ("a", 2),
            ("b", 20),
            ("stored", 20),
        ]
        info = await consumer_info(name, "s")
    assert info.ack_floor.stream_seq == 2  # seq 1 is the .js message, 2 the stored result


async def test_stopping_a_push_consumer_hands_back_what_it_had_not_started(
    name: str, streams: list[str]
) -> None:
    streams.append(name)

    def make(record: asyncio.Queue[int], delay: float) -> NatsBroker:
        broker = NatsBroker(URL)

        @broker.subscriber(name, stream=name, durable="w")
        async def work(n: int) -> None:
            await record.put(n)
            await asyncio.sleep(delay)

        return broker

    first: asyncio.Queue[int] = asyncio.Queue()
    async with make(first, 0.3) as broker:
        await broker.start()
        for n in range(3):
            await broker.publish(n, name, stream=name)
        assert await collect(1, first) == [0]
    assert first.empty()
    second: asyncio.Queue[int] = asyncio.Queue()
    async with make(second, 0) as again:
        await again.start()
        # Well before the 30 s ack_wait: they were handed back, not timed out.
        assert sorted(await collect(2, second, timeout=3)) == [1, 2]


async def test_jetstream_message_id_is_the_stream_sequence(name: str, streams: list[str]) -> None:
    streams.append(name)
    broker = NatsBroker(URL)
    ids: asyncio.Queue[str | None] = asyncio.Queue()

    @broker.subscriber(f"{name}.ids", stream=JStream(name, subjects=[f"{name}.>"]))
    async def handle(msg: str, message: NatsMessage) -> None:
        await ids.put(message.message_id)

    async with broker:
        await broker.start()
        # Published without a ``Nats-Msg-Id`` (another client): the stream sequence.
        # (The broker's own publishes carry one, which is then the id.)
        js = broker.transport._jetstream()  # type: ignore[attr-defined]
        for text in ("a", "b", "c"):
            await js.publish(f"{name}.ids", text.encode(), stream=name)
        assert await collect(3, ids) == ["1", "2", "3"]


async def test_a_consumer_takes_its_filter_subjects(name: str, streams: list[str]) -> None:
    streams.append(name)
    broker = NatsBroker(URL)
    got: asyncio.Queue[int] = asyncio.Queue()
    config = ConsumerConfig(filter_subjects=[f"{name}.a", f"{name}.c"])

    @broker.subscriber(config=config, stream=JStream(name, subjects=[f"{name}.*"]))
    async def handle(x: int) -> None:
        await got.put(x)

    async with broker:
        await broker.start()
        for n, subject in enumerate("bac", start=1):
            await broker.publish(n, f"{name}.{subject}", stream=name)
        assert await collect(2, got) == [2, 3]
        await asyncio.sleep(0.2)
        assert got.empty()

"""The RabbitMQ transport against the real server: exchanges, delivery, replies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import aio_pika
import pytest
from fastapi import Header, Path
from pydantic import BaseModel

from faststream_fastapi import AckPolicy
from faststream_fastapi.core.errors import PublishError
from faststream_fastapi.rabbit import (
    ExchangeType,
    RabbitBroker,
    RabbitExchange,
    RabbitQueue,
)
from faststream_fastapi.rabbit.fastapi import RabbitMessage
from support import TcpRelay, collect, until

pytestmark = pytest.mark.rabbit
URL = "amqp://guest:guest@127.0.0.1:5672/"


class Item(BaseModel):
    name: str
    qty: int


@pytest.fixture
async def amqp() -> AsyncIterator[aio_pika.abc.AbstractChannel]:
    """A plain aio-pika channel, to look at queues from outside the broker."""
    connection = await aio_pika.connect(URL)
    try:
        yield await connection.channel()
    finally:
        await connection.close()


async def ready_count(channel: aio_pika.abc.AbstractChannel, queue: str) -> int:
    declared = await channel.declare_queue(queue, passive=True)
    count = declared.declaration_result.message_count
    assert count is not None
    return count


async def test_model_round_trip_and_case_insensitive_header(name: str) -> None:
    broker = RabbitBroker(URL)
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(RabbitQueue(name, auto_delete=True))
    async def handle(item: Item, x_tenant: Annotated[str, Header()]) -> None:
        await got.put((item, x_tenant))

    async with broker:
        await broker.start()
        await broker.publish(Item(name="a", qty=2), name, headers={"X-TENANT": "acme"})
        assert await collect(1, got) == [(Item(name="a", qty=2), "acme")]


async def test_topic_exchange_feeds_path_params(name: str) -> None:
    broker = RabbitBroker(URL, on_return_raises=True)
    logs = RabbitExchange(f"{name}-logs", type=ExchangeType.TOPIC, auto_delete=True)
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(RabbitQueue(name, auto_delete=True, routing_key="logs.{level}"), logs)
    async def handle(text: str, level: Annotated[str, Path()], msg: RabbitMessage) -> None:
        await got.put((level, text, msg.destination))

    async with broker:
        await broker.start()
        await broker.publish("disk full", exchange=logs, routing_key="logs.error")
        await broker.publish("hello", exchange=logs, routing_key="logs.info")
        with pytest.raises(PublishError, match="NO_ROUTE"):
            await broker.publish("nobody", exchange=logs, routing_key="metrics.cpu")
        assert sorted(await collect(2, got)) == [
            ("error", "disk full", "logs.error"),
            ("info", "hello", "logs.info"),
        ]


async def test_fanout_reaches_two_queues(name: str) -> None:
    broker = RabbitBroker(URL)
    fan = RabbitExchange(f"{name}-fan", type=ExchangeType.FANOUT, auto_delete=True)
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(RabbitQueue(f"{name}-1", auto_delete=True), fan)
    async def one(text: str) -> None:
        await got.put(("1", text))

    @broker.subscriber(RabbitQueue(f"{name}-2", auto_delete=True), fan)
    async def two(text: str) -> None:
        await got.put(("2", text))

    async with broker:
        await broker.start()
        await broker.publish("hi", exchange=fan)
        assert sorted(await collect(2, got)) == [("1", "hi"), ("2", "hi")]


async def test_headers_exchange(name: str) -> None:
    broker = RabbitBroker(URL)
    ex = RabbitExchange(f"{name}-h", type=ExchangeType.HEADERS, auto_delete=True)
    got: asyncio.Queue[Any] = asyncio.Queue()
    wanted = {"x-match": "all", "kind": "pdf", "size": "big"}

    @broker.subscriber(RabbitQueue(name, auto_delete=True, bind_arguments=wanted), ex)
    async def handle(text: str) -> None:
        await got.put(text)

    async with broker:
        await broker.start()
        await broker.publish("match", exchange=ex, headers={"kind": "pdf", "size": "big"})
        await broker.publish("partial", exchange=ex, headers={"kind": "pdf"}, mandatory=False)
        await broker.publish("again", exchange=ex, headers={"kind": "pdf", "size": "big"})
        assert await collect(2, got) == ["match", "again"]
        assert got.empty()


async def test_headers_exchange_with_int_values(name: str) -> None:
    broker = RabbitBroker(URL)
    ex = RabbitExchange(f"{name}-h", type=ExchangeType.HEADERS, auto_delete=True)
    got: asyncio.Queue[Any] = asyncio.Queue()
    wanted = {"x-match": "all", "key": 2, "key2": 2}

    @broker.subscriber(RabbitQueue(name, auto_delete=True, bind_arguments=wanted), ex)
    async def handle(text: str) -> str:
        await got.put(text)
        return "took it"

    async with broker:
        await broker.start()
        reply = await broker.request("both", exchange=ex, headers={"key": 2, "key2": 2})
        assert reply.decode() == "took it"
        await broker.publish("one", exchange=ex, headers={"key": 2}, mandatory=False)
        await broker.publish("again", exchange=ex, headers={"key": 2, "key2": 2})
        assert await collect(2, got) == ["both", "again"]


async def test_properties_are_native_and_visible(name: str) -> None:
    broker = RabbitBroker(URL)
    got: asyncio.Queue[RabbitMessage] = asyncio.Queue()

    @broker.subscriber(RabbitQueue(name, auto_delete=True, arguments={"x-max-priority": 5}))
    async def handle(body: dict[str, int], msg: RabbitMessage) -> None:
        await got.put(msg)

    async with broker:
        await broker.start()
        await broker.publish(
            {"n": 1},
            name,
            correlation_id="cid-1",
            message_id="mid-1",
            priority=3,
            expiration=60,
            persist=True,
            headers={"x-trace": "t1"},
        )
        (msg,) = await collect(1, got)
    raw = msg.raw
    assert isinstance(raw, aio_pika.abc.AbstractIncomingMessage)
    assert (raw.correlation_id, raw.message_id, raw.content_type) == (
        "cid-1",
        "mid-1",
        "application/json",
    )
    assert (msg.correlation_id, msg.message_id, msg.content_type) == (
        "cid-1",
        "mid-1",
        "application/json",
    )
    assert raw.priority == 3
    assert raw.expiration == 60
    assert raw.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert msg.headers["X-Trace"] == "t1"
    assert "content-type" not in (raw.headers or {})  # a native property, not a header


async def test_unroutable_mandatory_publish_raises(name: str) -> None:
    broker = RabbitBroker(URL, on_return_raises=True)
    async with broker:
        with pytest.raises(PublishError, match=r"returned.*NO_ROUTE.*mandatory=False"):
            await broker.publish("lost", f"{name}-nobody")
        # Optional delivery is the caller's explicit choice, and the channel survives.
        await broker.publish("dropped", f"{name}-nobody", mandatory=False)
        with pytest.raises(PublishError, match="NOT_FOUND"):
            await broker.publish("x", exchange=f"{name}-no-such-exchange", routing_key="k")
        assert await broker.ping()
        with pytest.raises(PublishError):
            await broker.publish("still lost", f"{name}-nobody")


async def test_request_reply_and_timeout(name: str) -> None:
    broker = RabbitBroker(URL)

    @broker.subscriber(RabbitQueue(name, auto_delete=True))
    async def double(n: int) -> int:
        return n * 2

    @broker.subscriber(RabbitQueue(f"{name}-slow", auto_delete=True))
    async def slow(n: int) -> int:
        await asyncio.sleep(0.5)
        return n

    async with broker:
        await broker.start()
        replies = await asyncio.gather(*(broker.request(i, name, timeout=5) for i in range(5)))
        assert [r.decode() for r in replies] == [0, 2, 4, 6, 8]
        reply = await broker.request(21, name, correlation_id="ask-1", timeout=5)
        assert (reply.decode(), reply.correlation_id) == (42, "ask-1")
        with pytest.raises(TimeoutError):
            await broker.request(1, f"{name}-slow", timeout=0.2)


async def test_ack_after_success_leaves_queue_empty(
    name: str, amqp: aio_pika.abc.AbstractChannel
) -> None:
    broker = RabbitBroker(URL)
    got: asyncio.Queue[int] = asyncio.Queue()

    @broker.subscriber(name)
    async def handle(n: int) -> None:
        await got.put(n)

    try:
        async with broker:
            await broker.start()
            for i in range(20):
                await broker.publish(i, name)
            assert sorted(await collect(20, got)) == list(range(20))
        # Closed: anything left unacknowledged would be back in the queue now.
        assert await ready_count(amqp, name) == 0
    finally:
        await amqp.queue_delete(name)


async def test_stop_lets_the_in_flight_message_finish(
    name: str, amqp: aio_pika.abc.AbstractChannel
) -> None:
    broker = RabbitBroker(URL)
    started = asyncio.Event()
    finished: list[int] = []

    @broker.subscriber(name)
    async def slow(n: int) -> None:
        started.set()
        await asyncio.sleep(0.3)
        finished.append(n)

    try:
        async with broker:
            await broker.start()
            await broker.publish(1, name)
            await asyncio.wait_for(started.wait(), 5)
        assert finished == [1]
        assert await ready_count(amqp, name) == 0
    finally:
        await amqp.queue_delete(name)


async def test_nack_on_error_redelivers(name: str) -> None:
    broker = RabbitBroker(URL, logger=None)
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(RabbitQueue(name, auto_delete=True), ack_policy=AckPolicy.NACK_ON_ERROR)
    async def flaky(n: int, msg: RabbitMessage) -> None:
        redelivered = msg.raw.redelivered
        await got.put(redelivered)
        if not redelivered:
            raise RuntimeError("first try fails")

    async with broker:
        await broker.start()
        await broker.publish(1, name)
        assert await collect(2, got) == [False, True]


async def test_default_policy_rejects_into_dead_letter_queue(name: str) -> None:
    broker = RabbitBroker(URL, logger=None)
    dlq = f"{name}-dlq"
    got: asyncio.Queue[Any] = asyncio.Queue()
    args = {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq}

    @broker.subscriber(RabbitQueue(name, auto_delete=True, arguments=args))
    async def failing(n: int) -> None:
        await got.put(("main", n))
        raise RuntimeError("boom")

    @broker.subscriber(RabbitQueue(dlq, auto_delete=True))
    async def dead(n: int, msg: RabbitMessage) -> None:
        await got.put(("dlq", n, msg.headers.get("x-first-death-reason")))

    async with broker:
        await broker.start()
        await broker.publish(7, name)
        assert await collect(2, got) == [("main", 7), ("dlq", 7, "rejected")]
        await asyncio.sleep(0.1)
        assert got.empty()  # rejected once, never requeued


async def test_malformed_json_is_rejected_and_logged_without_payload(
    name: str, caplog: pytest.LogCaptureFixture, amqp: aio_pika.abc.AbstractChannel
) -> None:
    broker = RabbitBroker(URL)
    got: asyncio.Queue[Item] = asyncio.Queue()

    @broker.subscriber(name)
    async def handle(item: Item) -> None:
        await got.put(item)

    try:
        with caplog.at_level(logging.ERROR, logger="faststream_fastapi"):
            async with broker:
                await broker.start()
                json = {"content-type": "application/json"}
                await broker.publish(b'{"secret-token": ', name, headers=json)
                await broker.publish({"name": "secret-value", "qty": "many"}, name)
                await broker.publish(Item(name="ok", qty=1), name)
                assert await collect(1, got) == [Item(name="ok", qty=1)]
                await asyncio.sleep(0.1)
            assert await ready_count(amqp, name) == 0  # rejected, not requeued
        rejected = [r for r in caplog.records if "rejected" in r.getMessage()]
        assert len(rejected) == 2
        assert all("secret" not in r.getMessage() for r in caplog.records)
    finally:
        await amqp.queue_delete(name)


async def test_consumers_come_back_after_the_connection_drops(
    name: str, amqp: aio_pika.abc.AbstractChannel
) -> None:
    proxy = TcpRelay(5672)
    port = await proxy.start()
    broker = RabbitBroker(f"amqp://guest:guest@127.0.0.1:{port}/", reconnect_interval=0.2)
    got: asyncio.Queue[int] = asyncio.Queue()

    # Not auto-delete: the queue outlives the outage, as a real service's would.
    @broker.subscriber(name)
    async def handle(n: int) -> None:
        await got.put(n)

    try:
        async with broker:
            await broker.start()
            reply_to_ok = await broker.request(0, name, timeout=5)
            assert reply_to_ok.body == b""
            assert await collect(1, got) == [0]
            proxy.cut()
            assert not await broker.ping(timeout=0.1)
            # A publish during the outage waits for the publishing channel to return.
            await broker.publish(2, name, timeout=10)
            assert await collect(1, got, timeout=10) == [2]
            # The direct reply-to consumer is re-created on the new channel too.
            reply = await broker.request(3, name, timeout=5)
            assert reply.body == b""
            assert await collect(1, got) == [3]
    finally:
        await proxy.close()
        await amqp.queue_delete(name)


async def test_consumer_comes_back_after_its_queue_is_deleted(
    name: str, amqp: aio_pika.abc.AbstractChannel
) -> None:
    # The broker cancels the consumer of a deleted queue; the subscriber declares
    # the queue and its binding again and consumes, as aio-pika's robust queue does.
    broker = RabbitBroker(URL)
    direct = RabbitExchange(f"{name}-x", type=ExchangeType.DIRECT, auto_delete=True)
    got: asyncio.Queue[int] = asyncio.Queue()

    @broker.subscriber(RabbitQueue(name, routing_key="k"), direct)
    async def handle(n: int) -> None:
        await got.put(n)

    try:
        async with broker:
            await broker.start()
            consumption = broker.subscribers[0].consumption
            assert consumption is not None
            await broker.publish(1, "k", exchange=direct)
            assert await collect(1, got) == [1]
            await amqp.queue_delete(name)

            async def routed_again() -> bool:
                # Right after the delete the consumer may not have heard of it yet, and
                # the auto-delete exchange goes with its last binding: a publish fails
                # until the subscriber has declared them again.
                if not consumption.alive:
                    return False
                try:
                    await broker.publish(2, "k", exchange=direct)
                except PublishError:
                    return False
                return True

            await until(routed_again, 10, "the consumer to come back")
            assert await collect(1, got, timeout=10) == [2]
    finally:
        await amqp.queue_delete(name)


async def test_an_ack_through_raw_is_not_sent_twice(
    name: str, amqp: aio_pika.abc.AbstractChannel
) -> None:
    # The handler acks through aio-pika's message; the subscriber's own ack after it
    # must not reach the server again (a second ack of a tag closes the channel).
    broker = RabbitBroker(URL)
    got: asyncio.Queue[int] = asyncio.Queue()

    @broker.subscriber(RabbitQueue(name, auto_delete=True))
    async def handle(n: int, msg: RabbitMessage) -> None:
        await msg.raw.ack()
        await got.put(n)

    async with broker:
        await broker.start()
        consumption = broker.subscribers[0].consumption
        assert consumption is not None
        channel = await consumption.channel.get_underlay_channel()  # type: ignore[attr-defined]
        await broker.publish(1, name)
        await broker.publish(2, name)
        assert await collect(2, got) == [1, 2]
        await asyncio.sleep(0.2)  # a channel error would have arrived by now
        assert not channel.is_closed
        assert await consumption.channel.get_underlay_channel() is channel  # type: ignore[attr-defined]
        assert await ready_count(amqp, name) == 0


async def test_publisher_to_topic_exchange_and_restart(name: str) -> None:
    broker = RabbitBroker(URL)
    events = RabbitExchange(f"{name}-ev", type=ExchangeType.TOPIC, auto_delete=True)
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(RabbitQueue(f"{name}-in", auto_delete=True))
    @broker.publisher(exchange=events, routing_key="order.created", persist=True)
    async def create(n: int) -> dict[str, int]:
        return {"order": n}

    @broker.subscriber(RabbitQueue(f"{name}-out", auto_delete=True, routing_key="order.*"), events)
    async def audit(body: dict[str, int], msg: RabbitMessage) -> None:
        await got.put((body, msg.destination, msg.raw.delivery_mode))

    for n in (1, 2):  # a broker closed and started again consumes again
        async with broker:
            await broker.start()
            await broker.publish(n, f"{name}-in")
            assert await collect(1, got) == [
                ({"order": n}, "order.created", aio_pika.DeliveryMode.PERSISTENT)
            ]
        assert not broker.running


async def test_competing_consumers_share_one_queue(name: str) -> None:
    broker = RabbitBroker(URL)
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(RabbitQueue(name, auto_delete=True))
    async def first(n: int) -> None:
        await got.put(("first", n))

    @broker.subscriber(RabbitQueue(name, auto_delete=True))
    async def second(n: int) -> None:
        await got.put(("second", n))

    async with broker:
        await broker.start()
        for i in range(40):
            await broker.publish(i, name)
        seen = await collect(40, got)
        await asyncio.sleep(0.1)
        assert got.empty()
    assert sorted(n for _, n in seen) == list(range(40))  # each message exactly once
    assert {who for who, _ in seen} == {"first", "second"}


async def test_unreachable_broker_fails_fast_with_a_clear_error() -> None:
    from faststream_fastapi.core.errors import BrokerConnectionError

    broker = RabbitBroker("amqp://guest:guest@127.0.0.1:1/")
    with pytest.raises(BrokerConnectionError, match="RabbitBroker cannot connect"):
        await asyncio.wait_for(broker.start(), 10)
    assert not await broker.ping(timeout=0.5)
    with pytest.raises(PublishError, match="not connected"):
        await broker.publish("x", "q")


async def test_conflicting_declaration_fails_start_naming_the_subscriber(name: str) -> None:
    from faststream_fastapi.core.errors import SetupError

    broker = RabbitBroker(URL)
    topic = RabbitExchange(f"{name}-x", type=ExchangeType.TOPIC, auto_delete=True)

    @broker.subscriber(RabbitQueue(f"{name}-a", auto_delete=True), topic)
    async def first(body: str) -> None: ...

    @broker.subscriber(RabbitQueue(f"{name}-b", auto_delete=True), f"{name}-x")  # as direct
    async def second(body: str) -> None: ...

    async with broker:
        with pytest.raises(SetupError, match=rf"queue '{name}-b'.*inequivalent arg 'type'"):
            await broker.start()
        assert not broker.running
        assert [s.consumption for s in broker.subscribers] == [None, None]

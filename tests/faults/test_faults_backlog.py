"""A slow consumer under a backlog holds a bounded number of messages and bounded memory.

Each test fills a destination before its subscriber starts (a core NATS subject
keeps nothing, so there the burst comes while the handler is blocked), blocks
the handler, and while the backlog waits checks what the process holds: handler
calls in flight (the documented concurrency), messages fetched but not settled
(the documented prefetch or batch, read from the broker where it tells) and
memory growth. Then it releases the handler and checks that every message held
or waiting was handled. The limits are the defaults documented in
``docs/delivery.md`` ("Backlogs and memory").
"""

from __future__ import annotations

import asyncio
import logging
import runpy
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from redis.asyncio import Redis

from faststream_fastapi.confluent import KafkaBroker as ConfluentBroker
from faststream_fastapi.confluent.transport import ConfluentTransport
from faststream_fastapi.core.errors import SetupError
from faststream_fastapi.kafka import KafkaBroker
from faststream_fastapi.nats import NatsBroker, PullSub
from faststream_fastapi.nats.transport import CORE_PENDING_MSGS_LIMIT
from faststream_fastapi.rabbit import RabbitBroker, RabbitQueue
from faststream_fastapi.rabbit.transport import DEFAULT_PREFETCH
from faststream_fastapi.redis import ListSub, RedisBroker, StreamSub
from support import until

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "backlog_limits.py"
REDIS = "redis://127.0.0.1:6379"
NATS = "nats://127.0.0.1:4222"
RABBIT = "amqp://guest:guest@127.0.0.1:5672/"
KAFKA = "127.0.0.1:9092"

BODY = b"x" * 1024
MIB = 1024 * 1024
#: How long the backlog waits once the handler is blocked: time for a client to
#: fetch ahead, if it did.
HOLD = 1.0


def _rss() -> float:
    """This process's resident memory now, in bytes (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return float(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


class Gate:
    """The handler of one subscriber (given as its ``broker.subscriber(...)``
    decorator): blocks until ``drain``; counts calls in flight and done."""

    def __init__(self, subscriber: Callable[[Callable[[bytes], Awaitable[None]]], Any]) -> None:
        self.released = asyncio.Event()
        self.in_flight = 0
        self.max_in_flight = 0
        self.handled = 0

        async def handle(body: bytes) -> None:
            await self.through()

        subscriber(handle)

    async def through(self) -> None:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await self.released.wait()
        finally:
            self.in_flight -= 1
            self.handled += 1

    async def blocked(self, calls: int = 1) -> None:
        """Until ``calls`` handler calls wait, then ``HOLD`` more seconds."""
        await until(lambda: self.in_flight >= calls, 30, f"{calls} handler call(s)")
        await asyncio.sleep(HOLD)

    async def drain(self, n: int, timeout: float = 30, what: str = "the backlog") -> None:
        """Release the handler; wait until ``n`` calls are done."""
        self.released.set()
        await until(lambda: self.handled == n, timeout, what)


class Growth:
    """Python heap (tracemalloc) and RSS growth from ``__enter__`` to ``measure``.

    Tracing stops at ``measure``, before the drain, which it would slow down.
    """

    def __enter__(self) -> Growth:
        self.rss = _rss()
        tracemalloc.start()
        self.heap = float(tracemalloc.get_traced_memory()[0])
        return self

    def measure(self) -> None:
        if tracemalloc.is_tracing():
            self.heap = tracemalloc.get_traced_memory()[0] - self.heap
            self.rss = _rss() - self.rss
            tracemalloc.stop()

    def __exit__(self, *exc: object) -> None:
        if tracemalloc.is_tracing():
            tracemalloc.stop()

    def __str__(self) -> str:
        return f"heap +{self.heap / MIB:.1f} MiB, RSS +{self.rss / MIB:.1f} MiB"


@asynccontextmanager
async def _held(broker: Any, gate: Gate, calls: int = 1) -> AsyncIterator[Growth]:
    """Start ``broker`` and wait until ``calls`` handler calls block (then ``HOLD``);
    the growth is measured from before the start to the end of the block, where the
    test reads what the process holds."""
    with Growth() as growth:
        await broker.start()
        await gate.blocked(calls)
        yield growth
        growth.measure()


async def _fill(broker: Any, n: int, *destination: str, **where: str) -> None:
    """Publish ``n`` bodies before the subscriber starts: the backlog."""
    for _ in range(n):
        await broker.publish(BODY, *destination, **where)


async def _bounded(
    label: str, gate: Gate, growth: Growth, held: int, *, limit: int, n: int, calls: int = 1
) -> None:
    """Check what the process held: ``calls`` handler calls at once, 1 to ``limit``
    messages, under 2 MiB of heap; then drain the ``n`` messages."""
    print(f"{label}: held {held}, in flight {gate.max_in_flight}, {growth}")
    assert gate.max_in_flight == calls
    assert 1 <= held <= limit
    assert growth.heap < 2 * MIB
    await gate.drain(n)


@pytest.mark.redis
async def test_redis_list_pops_the_backlog_max_records_at_a_time(name: str) -> None:
    n, limit = 5000, ListSub(name).max_records
    admin = Redis.from_url(REDIS)
    broker = RedisBroker(REDIS)
    gate = Gate(broker.subscriber(list=ListSub(name)))

    try:
        for _ in range(n // 1000):
            await admin.rpush(name, *[BODY] * 1000)
        async with broker:
            async with _held(broker, gate) as growth:
                # Popped from the list but not yet handled: what the process holds.
                held = n - await admin.llen(name) - gate.handled
            await _bounded("redis list", gate, growth, held, limit=limit, n=n)
    finally:
        await admin.delete(name)
        await admin.aclose()


@pytest.mark.redis
async def test_redis_stream_group_reads_max_records_at_a_time(name: str) -> None:
    n, limit = 5000, StreamSub(name).max_records
    admin = Redis.from_url(REDIS)
    broker = RedisBroker(REDIS)
    gate = Gate(broker.subscriber(stream=StreamSub(name, group="g", last_id="0")))

    try:
        async with broker:
            await _fill(broker, n, stream=name)
            async with _held(broker, gate) as growth:
                # Delivered to the group's consumer and not acknowledged.
                held = (await admin.xpending(name, "g"))["pending"]
            await _bounded("redis stream", gate, growth, held, limit=limit, n=n)
            await until(lambda: gate.in_flight == 0, 5, "the last ack")
        assert (await admin.xpending(name, "g"))["pending"] == 0
    finally:
        await admin.delete(name)
        await admin.aclose()


async def _delete_stream(name: str) -> None:
    async with NatsBroker(NATS) as admin:
        await admin.transport._jetstream().delete_stream(name)  # type: ignore[attr-defined]


@pytest.mark.nats
async def test_nats_jetstream_push_holds_at_most_max_ack_pending(name: str) -> None:
    n = 5000
    broker = NatsBroker(NATS)
    gate = Gate(broker.subscriber(name, stream=name, durable="svc"))

    try:
        async with broker:
            await _fill(broker, n, name, stream=name)
            async with _held(broker, gate) as growth:
                js = broker.transport._jetstream()  # type: ignore[attr-defined]
                info = await js.consumer_info(name, "svc")
                sub: Any = broker.subscribers[0].consumption.sub  # type: ignore[union-attr]
                queued = sub.pending_msgs  # received by nats-py, not yet handed to us
            held = info.num_ack_pending
            print(f"nats push: held {held} ({queued} queued), in flight 1, {growth}")
            # The server sends at most max_ack_pending unacknowledged (its default: 1,000).
            assert info.config.max_ack_pending == 1000
            assert gate.max_in_flight == 1
            assert 1 <= held <= 1000
            assert queued < 1000
            assert info.num_pending >= n - 1000  # the rest waits on the server
            assert growth.heap < 4 * MIB
            await gate.drain(n)
    finally:
        await _delete_stream(name)


@pytest.mark.nats
async def test_nats_jetstream_pull_holds_one_batch(name: str) -> None:
    n, batch = 5000, 100
    broker = NatsBroker(NATS)
    gate = Gate(
        broker.subscriber(name, stream=name, durable="svc", pull_sub=PullSub(batch_size=batch))
    )

    try:
        async with broker:
            await _fill(broker, n, name, stream=name)
            async with _held(broker, gate) as growth:
                js = broker.transport._jetstream()  # type: ignore[attr-defined]
                held = (await js.consumer_info(name, "svc")).num_ack_pending
            await _bounded("nats pull", gate, growth, held, limit=batch, n=n)
    finally:
        await _delete_stream(name)


@pytest.mark.nats
async def test_nats_core_burst_is_queued_up_to_the_pending_limit(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    burst = CORE_PENDING_MSGS_LIMIT + 2000
    broker = NatsBroker(NATS)
    gate = Gate(broker.subscriber(name))

    def dropped() -> int:
        return sum("SlowConsumerError" in r.getMessage() for r in caplog.records)

    with caplog.at_level(logging.WARNING, logger="faststream_fastapi.nats"):
        async with broker:
            await broker.start()
            sub: Any = broker.subscribers[0].consumption.sub  # type: ignore[union-attr]
            await broker.publish(b"first", name)
            await gate.blocked()
            for _ in range(burst - 1):
                await broker.publish(BODY, name)
            # Every message is the handler's, queued in nats-py, or dropped (and logged).
            await until(
                lambda: gate.in_flight + sub.pending_msgs + dropped() == burst, 30, "the burst"
            )
            queued = sub.pending_msgs
            print(f"nats core: queued {queued}, dropped {dropped()}")
            assert queued <= CORE_PENDING_MSGS_LIMIT
            assert dropped() >= burst - 1 - CORE_PENDING_MSGS_LIMIT
            assert gate.max_in_flight == 1
            await gate.drain(1 + queued, what="the queued messages")


@pytest.mark.rabbit
async def test_rabbit_holds_at_most_prefetch_count(name: str) -> None:
    n = 3000
    connection = await aio_pika.connect(RABBIT)
    broker = RabbitBroker(RABBIT)
    gate = Gate(broker.subscriber(RabbitQueue(name, auto_delete=True)))

    try:
        channel = await connection.channel(publisher_confirms=False)
        await channel.declare_queue(name, auto_delete=True)
        for _ in range(n):
            await channel.default_exchange.publish(aio_pika.Message(BODY), name)
        async with broker:
            async with _held(broker, gate, DEFAULT_PREFETCH) as growth:
                ready = (await channel.declare_queue(name, passive=True)).declaration_result
            # Delivered to our channel and not acknowledged: all of them in a handler.
            held = n - (ready.message_count or 0) - gate.handled
            await _bounded(
                "rabbit", gate, growth, held, limit=DEFAULT_PREFETCH, n=n, calls=DEFAULT_PREFETCH
            )
    finally:
        await connection.close()


@pytest.mark.kafka
@pytest.mark.parametrize("client", ["aiokafka", "confluent"])
async def test_kafka_backlog_is_fetched_in_bounded_chunks(name: str, client: str) -> None:
    """50 MiB wait in the topic; the process holds one record in the handler, the
    fetched batch, and the client's prefetch: aiokafka one fetch response per
    partition, librdkafka a queue of at most 8 MiB (our default; its own is 64 MiB)."""
    n = 50_000
    broker = KafkaBroker(KAFKA) if client == "aiokafka" else ConfluentBroker(KAFKA)
    gate = Gate(broker.subscriber(name, auto_offset_reset="earliest"))

    try:
        async with broker:
            for _ in range(n // 500):
                await broker.publish_batch(*[BODY] * 500, topic=name)
            async with _held(broker, gate) as growth:
                await asyncio.sleep(HOLD)  # the prefetch runs in the background: more time
            print(f"kafka {client}: in flight {gate.max_in_flight}, {growth}")
            assert gate.max_in_flight == 1
            # Unbounded, the 50 MiB backlog would be here (aiokafka: with a decoded copy).
            if client == "aiokafka":
                assert growth.heap < 40 * MIB
            else:
                assert growth.rss < 32 * MIB  # librdkafka's memory is not on the Python heap
            await gate.drain(n, 60)
    finally:
        admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA)
        await admin.start()
        try:
            await admin.delete_topics([name])  # 50 MiB the shared broker need not keep
        finally:
            await admin.close()


def test_the_guide_example_sets_the_limits_it_names() -> None:
    example = runpy.run_path(str(EXAMPLE), run_name="backlog_limits")
    assert example["rabbit"].transport.prefetch_count == 4
    assert [s.spec.max_records for s in example["redis"].subscribers] == [20, 20]
    confirm, ship, record = (s.spec for s in example["nats"].subscribers)
    assert confirm.config.max_ack_pending == 200
    assert ship.pull_sub == PullSub(batch_size=10)
    assert (record.pending_msgs_limit, record.pending_bytes_limit) == (1000, MIB)
    (audit,) = example["kafka"].subscribers
    assert audit.spec.max_records == 100
    assert dict(audit.spec.options) == {"max_partition_fetch_bytes": 256 * 1024}
    (audit_confluent,) = example["confluent"].subscribers
    assert dict(audit_confluent.spec.options) == {"queued_max_messages_kbytes": 2048}


def test_confluent_prefetch_defaults_are_bounded_and_overridable() -> None:
    default = ConfluentTransport("127.0.0.1:9092").options
    assert default["queued.max.messages.kbytes"] == 8 * 1024
    assert default["queued.min.messages"] == 10_000
    assert default["fetch.queue.backoff.ms"] == 20
    mine = ConfluentTransport("127.0.0.1:9092", queued_max_messages_kbytes=2048).options
    assert mine["queued.max.messages.kbytes"] == 2048


def test_nats_pending_limits_are_for_push_subscriptions() -> None:
    broker = NatsBroker(NATS)
    with pytest.raises(SetupError, match="pending_msgs_limit"):

        @broker.subscriber("s", stream="s", pull_sub=True, pending_msgs_limit=10)
        async def handle() -> None:
            return None

"""Broker restarted (or the connection cut) while a subscriber consumes a steady flow.

Each test runs its own broker process on a free loopback port (RabbitMQ: a TCP
relay to the shared server that the test cuts; Kafka: a private tansu, restarted
over a private S3 store that keeps its data, or restarted empty, or behind a relay
it advertises, cut while tansu stays up), publishes a numbered flow while the
broker goes away and comes back, and checks that the consumer recovered by itself
and what was handled. Duplicates are allowed, counted and printed. The shared
brokers of ``scripts/brokers.sh`` are never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import aio_pika
import pytest

from faststream_fastapi import confluent, kafka
from faststream_fastapi.core.errors import FastStreamError
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.rabbit import RabbitBroker, RabbitQueue
from faststream_fastapi.redis import RedisBroker, StreamSub
from servers import end, free_port, launch, nats_argv, redis_argv, s3_store, tansu
from support import TcpRelay, until

Publish = Callable[[int], Awaitable[object]]


class Flow:
    """Publishes 0, 1, 2, ... every ``interval`` s; a failed publish is retried
    (bounded) and counts only once it succeeded."""

    def __init__(self, publish: Publish, interval: float = 0.02) -> None:
        self.publish = publish
        self.interval = interval
        self.sent: list[int] = []
        self.failures = 0
        self.restarted_at: int | None = None  # first number published after the restart
        self._task: asyncio.Task[None] | None = None
        self._next = 0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def mark_restart(self) -> None:
        self.restarted_at = self._next

    async def _run(self) -> None:
        while self._next < 10_000:
            n = self._next
            self._next += 1
            for _ in range(200):  # ~200 tries x (timeout + 0.05 s) at most
                try:
                    await self.publish(n)
                except (FastStreamError, ConnectionError, OSError, TimeoutError):
                    self.failures += 1
                    await asyncio.sleep(0.05)
                else:
                    self.sent.append(n)
                    break
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def _report(label: str, flow: Flow, handled: list[int]) -> tuple[set[int], int]:
    counts = Counter(handled)
    duplicates = sum(c - 1 for c in counts.values())
    print(
        f"\n[{label}] published {len(flow.sent)}, handled {len(handled)} "
        f"({len(counts)} distinct, {duplicates} duplicates), publish retries {flow.failures}"
    )
    return set(counts), duplicates


async def _steady_flow_across(
    label: str,
    flow: Flow,
    handled: list[int],
    restart: Callable[[], Awaitable[None]],
    *,
    all_before: bool,
    all_after: bool = True,
    recover_timeout: float = 20.0,
) -> None:
    """Flow for a while, ``restart``, flow again, stop; check what was handled."""
    flow.start()
    try:
        await until(lambda: len(handled) >= 20, 15, "the first messages")
        await restart()
        flow.mark_restart()
        # The flow goes on through the outage; wait for 30 more after it.
        mark = flow.restarted_at or 0
        await until(
            lambda: sum(1 for n in handled if n >= mark) >= 30,
            recover_timeout,
            "consumption to resume after the restart",
        )
    finally:
        await flow.stop()
    sent = set(flow.sent)
    after = {n for n in sent if n >= (flow.restarted_at or 0)}
    if all_after:
        await until(
            lambda: after <= set(handled),
            10,
            lambda: f"all published after the restart; missing {sorted(after - set(handled))}",
        )
    else:
        with contextlib.suppress(AssertionError):
            await until(lambda: after <= set(handled), 5, "")
        lost = sorted(after - set(handled))
        print(f"\n[{label}] published after the restart but not handled: {lost}")
    if all_before:
        await until(lambda: sent <= set(handled), 10, "every message published before it")
    _report(label, flow, handled)


@pytest.mark.redis
async def test_redis_stream_group_resumes_after_a_restart(name: str, tmp_path: Path) -> None:
    port = free_port()
    argv = redis_argv(port, tmp_path)
    server = await launch(port, *argv, cwd=tmp_path)
    broker = RedisBroker(f"redis://127.0.0.1:{port}", socket_timeout=2.0)
    handled: list[int] = []

    @broker.subscriber(stream=StreamSub(name, group="g", polling_interval=0.1))
    async def handle(n: int) -> None:
        handled.append(n)

    async def restart() -> None:
        nonlocal server
        await end(server)
        await asyncio.sleep(0.3)
        server = await launch(port, *argv, cwd=tmp_path)

    try:
        async with broker:
            await broker.start()
            flow = Flow(lambda n: broker.publish(n, stream=name))
            # Without persistence the restarted Redis starts empty: entries not yet
            # read are lost; the group is re-created and the flow after it all handled.
            await _steady_flow_across("redis", flow, handled, restart, all_before=False)
            assert broker.subscribers[0].consumption is not None
            assert broker.subscribers[0].consumption.alive
    finally:
        await end(server)


@pytest.mark.nats
async def test_nats_jetstream_durable_resumes_after_a_restart(name: str, tmp_path: Path) -> None:
    port = free_port()
    argv = nats_argv(port, tmp_path)
    server = await launch(port, *argv, cwd=tmp_path)
    broker = NatsBroker(f"nats://127.0.0.1:{port}", reconnect_time_wait=0.1)
    handled: list[int] = []

    @broker.subscriber(name, stream=name, durable="d")
    async def handle(n: int) -> None:
        handled.append(n)

    async def restart() -> None:
        nonlocal server
        await end(server)  # SIGTERM: nats-server flushes the file store
        await asyncio.sleep(0.3)
        server = await launch(port, *argv, cwd=tmp_path)

    try:
        async with broker:
            await broker.start()
            flow = Flow(lambda n: broker.publish(n, name, stream=name, timeout=1.0))
            await _steady_flow_across("nats jetstream", flow, handled, restart, all_before=True)
            assert broker.subscribers[0].consumption is not None
            assert broker.subscribers[0].consumption.alive
    finally:
        await end(server)


async def _kafka_group_across(
    pkg: ModuleType,
    name: str,
    port: int,
    label: str,
    disrupt: Callable[[], Awaitable[None]],
    client: dict[str, Any] | None = None,
    **expect: Any,
) -> None:
    """A group consuming a steady flow through the broker at ``port`` while
    ``disrupt`` runs; ``expect``: what to assert. A publish in flight then fails
    with PublishError (the flow retries it: the record may then be there twice)
    or succeeds once the client reconnected, within the client's own bounds.
    ``client``: more options of the broker."""
    broker = pkg.KafkaBroker(
        f"127.0.0.1:{port}", session_timeout_ms=3000, heartbeat_interval_ms=1000, **(client or {})
    )
    handled: list[int] = []

    @broker.subscriber(name, group_id="g", auto_offset_reset="earliest")
    async def handle(n: int) -> None:
        handled.append(n)

    async with broker:
        await broker.start()
        flow = Flow(lambda n: broker.publish(n, name))
        await _steady_flow_across(label, flow, handled, disrupt, **expect)
        assert broker.subscribers[0].consumption is not None
        assert broker.subscribers[0].consumption.alive


async def _kafka_restart(
    pkg: ModuleType, name: str, tmp_path: Path, s3: dict[str, str] | None, **expect: Any
) -> None:
    """``_kafka_group_across`` a private tansu (memory storage, or ``s3`` storage)
    stopped and started again."""
    port = free_port()
    argv, env = tansu(port, port, s3)
    server = await launch(port, *argv, cwd=tmp_path, env=env)

    async def restart() -> None:
        nonlocal server
        await end(server)
        await asyncio.sleep(0.3)
        server = await launch(port, *argv, cwd=tmp_path, env=env)

    label = f"{pkg.__name__} restart, {'s3' if s3 else 'memory'} storage"
    # tansu 0.6 stores an idempotent producer's sequence number before the record
    # (two writes to its store): stopped between them, it answers the resent record
    # DUPLICATE_SEQUENCE_NUMBER after the restart, and the client counts as stored a
    # record it lost (docs/delivery.md). A Kafka broker keeps both in its log.
    client = {"enable_idempotence": False} if s3 else None
    try:
        await _kafka_group_across(pkg, name, port, label, restart, client, **expect)
    finally:
        await end(server)


@pytest.mark.kafka
@pytest.mark.parametrize("pkg", [kafka, confluent], ids=["aiokafka", "confluent"])
async def test_kafka_consumer_group_loses_nothing_across_a_restart(
    pkg: ModuleType, name: str, tmp_path: Path
) -> None:
    # tansu keeps its records and the group's committed offsets in a local S3 store
    # that outlives it: stopped and started again over the same store, it answers
    # from where it was, as a Kafka broker does after a restart. The client must
    # reconnect, find the coordinator, rejoin and fetch from the committed offsets:
    # everything published before and after the restart is handled.
    async with s3_store(tmp_path) as s3:
        await _kafka_restart(pkg, name, tmp_path, s3, all_before=True, recover_timeout=40)


@pytest.mark.kafka
async def test_kafka_consumer_group_recovers_from_a_restart_that_lost_everything(
    name: str, tmp_path: Path
) -> None:
    # What the S3-storage restart test never meets: a broker back without the topic
    # and the group's offsets (commits fail with UnknownTopicOrPartition, the topic
    # is re-created on the next produce), as after a topic deleted and re-made.
    # What was published before the restart is gone, and right after it a message
    # or two has been seen missing (docs/delivery.md), so neither is asserted
    # complete here; what was lost is printed.
    await _kafka_restart(
        kafka, name, tmp_path, None, all_before=False, all_after=False, recover_timeout=30
    )


@pytest.mark.kafka
@pytest.mark.parametrize("pkg", [kafka, confluent], ids=["aiokafka", "confluent"])
@pytest.mark.parametrize("outage", [0.3, 5.0], ids=["blip", "past-session-timeout"])
async def test_kafka_consumer_group_resumes_after_the_connection_is_cut(
    pkg: ModuleType, outage: float, name: str, tmp_path: Path
) -> None:
    # tansu advertises the relay's port: every connection of the client, to the
    # bootstrap server and to the broker it names, goes through the relay, and
    # the cut hits the consumer (fetch, heartbeat, commit) and the producer alike.
    # The broker stays up and keeps its data, so nothing may be lost. An outage
    # longer than the session timeout (3 s) also costs the member its place in the
    # group: it must join again, and what it handled but had not committed comes again.
    port = free_port()
    relay = TcpRelay(port)
    relay_port = await relay.start()
    argv, env = tansu(port, relay_port)
    server = await launch(port, *argv, cwd=tmp_path, env=env)

    async def cut() -> None:
        assert relay.links, "the client does not connect through the relay"
        relay.cut(refuse_for=outage)
        await asyncio.sleep(outage)

    label = f"{pkg.__name__} cut for {outage} s"
    try:
        await _kafka_group_across(
            pkg, name, relay_port, label, cut, all_before=True, recover_timeout=40
        )
    finally:
        await relay.close()
        await end(server)


@pytest.mark.rabbit
async def test_rabbit_consumer_resumes_after_the_connection_is_cut(name: str) -> None:
    relay = TcpRelay(5672)
    port = await relay.start()
    broker = RabbitBroker(f"amqp://guest:guest@127.0.0.1:{port}/", reconnect_interval=0.2)
    # The flow is published over a direct connection: the cut hits the consumer only.
    producer = RabbitBroker("amqp://guest:guest@127.0.0.1:5672/")
    handled: list[int] = []

    @broker.subscriber(RabbitQueue(name, durable=False))
    async def handle(n: int) -> None:
        await asyncio.sleep(0.005)
        handled.append(n)

    async def cut() -> None:
        relay.cut()
        await asyncio.sleep(0.3)

    try:
        async with producer, broker:
            await broker.start()
            flow = Flow(lambda n: producer.publish(n, name, timeout=2))
            # Unacked deliveries of the cut channel go back to the queue: all handled.
            await _steady_flow_across("rabbit", flow, handled, cut, all_before=True)
            assert broker.subscribers[0].consumption is not None
            assert broker.subscribers[0].consumption.alive
    finally:
        await relay.close()
        connection = await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/")
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(name)

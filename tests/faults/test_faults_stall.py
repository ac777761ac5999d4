"""The path to the broker stalls (nothing forwarded, nothing closed), then resumes.

Each broker is reached through a ``TcpRelay`` (Kafka: a private tansu that
advertises the relay, so every connection of the client goes through it). While
the relay is stalled, ``ready(timeout)`` must answer False within its timeout, on
every probe; once it resumes, ``ready`` must answer True again and a message
published then must reach the subscriber: a probe must not have broken the
connection it probed. The times measured are printed (run with ``-s``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from faststream_fastapi import confluent, kafka
from faststream_fastapi.core.broker import Broker
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.rabbit import RabbitBroker, RabbitQueue
from faststream_fastapi.redis import RedisBroker
from servers import end, free_port, launch, tansu
from support import TcpRelay

#: The readiness timeout the probes use, as a Kubernetes probe would.
PROBE = 1.0
#: How long the path stays stalled: several probes, each timing out.
STALL = 4.0
#: Slack over ``PROBE`` for a probe's answer (scheduling on a busy machine).
SLACK = 0.5
#: How long after the resume readiness and a message may take.
RECOVER = 30.0


async def _stall_and_resume(
    label: str, broker: Broker, relay: TcpRelay, send: Any, got: asyncio.Queue[int]
) -> None:
    """``send(n)`` publishes ``n`` so that the broker's one subscriber puts it in
    ``got``; the broker is started, through ``relay``."""
    await send(0)
    assert await asyncio.wait_for(got.get(), 60) == 0
    assert await broker.ready(PROBE)

    relay.stall()
    stalled_at = time.monotonic()
    first: float | None = None
    while time.monotonic() - stalled_at < STALL:
        started = time.monotonic()
        answer = await broker.ready(PROBE)
        took = time.monotonic() - started
        assert not answer, (
            f"{label}: ready() answered True {started - stalled_at:.1f} s into the stall"
        )
        assert took < PROBE + SLACK, f"{label}: ready() took {took:.2f} s"
        first = took if first is None else first
        await asyncio.sleep(0.2)

    relay.resume()
    resumed_at = time.monotonic()
    while not await broker.ready(PROBE):
        assert time.monotonic() - resumed_at < RECOVER, f"{label}: not ready after the stall"
        await asyncio.sleep(0.1)
    ready_after = time.monotonic() - resumed_at
    await send(1)
    n = await asyncio.wait_for(got.get(), RECOVER)
    flowing_after = time.monotonic() - resumed_at
    assert n == 1
    assert broker.healthy()
    print(
        f"\n[{label}] stall reported in {first:.2f} s; after the resume: ready in "
        f"{ready_after:.2f} s, a message through in {flowing_after:.2f} s"
    )


@contextlib.asynccontextmanager
async def _relayed(port: int) -> AsyncIterator[tuple[TcpRelay, int]]:
    relay = TcpRelay(port)
    relay_port = await relay.start()
    try:
        yield relay, relay_port
    finally:
        await relay.close()


@pytest.mark.redis
async def test_redis_readiness_through_a_stall(name: str) -> None:
    async with _relayed(6379) as (relay, port):
        broker = RedisBroker(f"redis://127.0.0.1:{port}")
        got: asyncio.Queue[int] = asyncio.Queue()

        @broker.subscriber(list=name)
        async def handle(n: int) -> None:
            got.put_nowait(n)

        async with broker:
            await broker.start()
            send = lambda n: broker.publish(n, list=name)  # noqa: E731
            await _stall_and_resume("redis", broker, relay, send, got)


@pytest.mark.nats
@pytest.mark.parametrize("jetstream", [False, True], ids=["core", "jetstream"])
async def test_nats_readiness_through_a_stall(name: str, jetstream: bool) -> None:
    async with _relayed(4222) as (relay, port):
        broker = NatsBroker(f"nats://127.0.0.1:{port}")
        got: asyncio.Queue[int] = asyncio.Queue()
        stream = name if jetstream else None

        @broker.subscriber(name, stream=stream)
        async def handle(n: int) -> None:
            got.put_nowait(n)

        async with broker:
            await broker.start()
            await _stall_and_resume(
                f"nats {'jetstream' if jetstream else 'core'}",
                broker,
                relay,
                lambda n: broker.publish(n, name, stream=stream),
                got,
            )
            if jetstream:
                await broker.transport._jetstream().delete_stream(name)  # type: ignore[attr-defined]


@pytest.mark.rabbit
async def test_rabbit_readiness_through_a_stall(name: str) -> None:
    async with _relayed(5672) as (relay, port):
        broker = RabbitBroker(f"amqp://guest:guest@127.0.0.1:{port}/")
        got: asyncio.Queue[int] = asyncio.Queue()

        @broker.subscriber(RabbitQueue(name, auto_delete=True))
        async def handle(n: int) -> None:
            got.put_nowait(n)

        async with broker:
            await broker.start()
            send = lambda n: broker.publish(n, name)  # noqa: E731
            await _stall_and_resume("rabbit", broker, relay, send, got)


@pytest.mark.kafka
@pytest.mark.parametrize("pkg", [kafka, confluent], ids=["aiokafka", "confluent"])
async def test_kafka_readiness_through_a_stall(pkg: ModuleType, name: str, tmp_path: Path) -> None:
    port = free_port()
    async with _relayed(port) as (relay, relay_port):
        argv, env = tansu(port, relay_port)
        server = await launch(port, *argv, cwd=tmp_path, env=env)
        try:
            broker = pkg.KafkaBroker(
                f"127.0.0.1:{relay_port}", session_timeout_ms=3000, heartbeat_interval_ms=1000
            )
            got: asyncio.Queue[int] = asyncio.Queue()

            @broker.subscriber(name, group_id="g", auto_offset_reset="earliest")
            async def handle(n: int) -> None:
                if n >= 0:
                    got.put_nowait(n)

            async with broker:
                # The topic made first: a group subscribed to a missing one waits
                # (confluent-kafka) for the next metadata refresh.
                await broker.publish(-1, name)
                await broker.start()
                await _stall_and_resume(
                    pkg.__name__.rsplit(".", 1)[-1],
                    broker,
                    relay,
                    lambda n: broker.publish(n, name),
                    got,
                )
        finally:
            await end(server)


@pytest.mark.nats
async def test_nats_consumer_whose_client_stopped_reading_is_dead(name: str) -> None:
    broker = NatsBroker("nats://127.0.0.1:4222")

    @broker.subscriber(name)
    async def handle(n: int) -> None:
        return None

    async with broker:
        await broker.start()
        assert broker.healthy() and await broker.ready(PROBE)
        # What a late PONG for a cancelled flush did: nats-py's read loop ends
        # while the client still says it is connected.
        client: Any = broker.transport.client  # type: ignore[attr-defined]
        client._reading_task.cancel()
        await asyncio.wait({client._reading_task})
        assert client.is_connected
        assert not broker.healthy()
        assert not await broker.ready(PROBE)

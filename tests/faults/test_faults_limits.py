"""``max_message_bytes``: an oversized message is rejected before it is decoded,
with a clear log line (no payload) and a per-subscriber counter; the consumer
goes on. Set on the broker (every subscriber) or per subscriber (wins)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from redis.asyncio import Redis

from faststream_fastapi.core.errors import MessageTooLargeError, SetupError
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.redis import RedisBroker, RedisMessage, StreamSub, TestRedisBroker
from support import until


async def test_the_subscriber_limit_wins_over_the_broker_limit(name: str) -> None:
    broker = RedisBroker(max_message_bytes=100)
    seen: list[str] = []

    @broker.subscriber(f"{name}-small")
    async def small(body: str) -> None:
        seen.append(body)

    @broker.subscriber(f"{name}-big", max_message_bytes=10_000)
    async def big(body: str) -> None:
        seen.append(body)

    async with TestRedisBroker(broker):
        with pytest.raises(MessageTooLargeError, match="larger than max_message_bytes=100"):
            await broker.publish("x" * 200, f"{name}-small")
        await broker.publish("y" * 200, f"{name}-big")
        await broker.publish("z", f"{name}-small")
    assert seen == ["y" * 200, "z"]
    assert [s.oversized for s in broker.subscribers] == [1, 0]


def test_the_limit_must_be_positive() -> None:
    with pytest.raises(SetupError, match="max_message_bytes"):
        RedisBroker(max_message_bytes=0)
    broker = RedisBroker()
    with pytest.raises(SetupError, match="max_message_bytes"):

        @broker.subscriber("x", max_message_bytes=-5)
        async def handle() -> None:
            return None


@pytest.mark.redis
async def test_redis_oversized_message_is_rejected_undecoded(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    broker = RedisBroker("redis://127.0.0.1:6379", max_message_bytes=64)
    dead = broker.publisher(stream=f"{name}-dead")
    got: list[int] = []
    dead_letters: list[tuple[int, str | None]] = []

    @broker.subscriber(stream=StreamSub(name, group="g", polling_interval=0.05), dead_letter=dead)
    async def handle(n: int) -> None:
        got.append(n)

    @broker.subscriber(
        stream=StreamSub(f"{name}-dead", group="ops", polling_interval=0.05),
        max_message_bytes=1_000_000,
    )
    async def inspect(msg: RedisMessage) -> None:
        dead_letters.append((len(msg.body), msg.headers.get("x-error")))

    secret = "secret-" + "9" * 100  # too big, and it must not reach the log
    try:
        with caplog.at_level(logging.ERROR, logger="faststream_fastapi"):
            async with broker:
                await broker.start()
                await broker.publish(1, stream=name)
                await broker.publish(secret, stream=name)
                await broker.publish(2, stream=name)
                await until(lambda: got == [1, 2] and len(dead_letters) == 1, 10, "messages")
        sub = broker.subscribers[0]
        assert sub.oversized == 1
        assert dead_letters == [(len(secret), "MessageTooLargeError")]
        lines = [r.getMessage() for r in caplog.records]
        assert any("larger than max_message_bytes=64" in line for line in lines)
        assert all("secret" not in line for line in lines)
    finally:
        admin = Redis.from_url("redis://127.0.0.1:6379")
        try:
            await admin.delete(name, f"{name}-dead")
        finally:
            await admin.aclose()


@pytest.mark.nats
async def test_nats_jetstream_oversized_message_is_terminated(name: str) -> None:
    broker = NatsBroker("nats://127.0.0.1:4222")
    got: list[Any] = []

    @broker.subscriber(name, stream=name, durable="svc", max_message_bytes=32)
    async def handle(body: str) -> None:
        got.append(body)

    try:
        async with broker:
            await broker.start()
            await broker.publish("a" * 100, name, stream=name)
            await broker.publish("ok", name, stream=name)
            await until(lambda: got == ["ok"], 10, "the small message")
            await asyncio.sleep(0.2)
            assert got == ["ok"]  # rejected (``term``): never redelivered
            assert broker.subscribers[0].oversized == 1
    finally:
        async with NatsBroker("nats://127.0.0.1:4222") as admin:
            await admin.transport._jetstream().delete_stream(name)  # type: ignore[attr-defined]

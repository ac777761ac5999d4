"""A handler that always raises (a poison message): bounded retries, then the
dead letter of the user's choice; no hot loop, and the other messages flow.

``max_retries`` republishes a failed message with an incremented ``x-retries``
header and acks the original; past the limit it goes to ``dead_letter`` with
``x-retries`` and ``x-error`` (the exception's type). A message that cannot be
decoded or validated goes to the dead letter at once. On the shared brokers.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from redis.asyncio import Redis

from faststream_fastapi import AckPolicy
from faststream_fastapi.kafka import KafkaBroker, KafkaMessage
from faststream_fastapi.nats import NatsBroker, NatsMessage
from faststream_fastapi.redis import RedisBroker, RedisMessage, StreamSub
from support import until

RETRIES = 3


@pytest.mark.redis
async def test_redis_poison_message_is_retried_then_dead_lettered(name: str) -> None:
    broker = RedisBroker("redis://127.0.0.1:6379")
    dead = broker.publisher(stream=f"{name}-dead")
    attempts: Counter[int] = Counter()
    good: list[int] = []
    dead_letters: list[tuple[bytes, str | None, str | None]] = []

    @broker.subscriber(
        stream=StreamSub(name, group="g", polling_interval=0.05),
        max_retries=RETRIES,
        retry_delay=0.01,
        dead_letter=dead,
    )
    async def handle(n: int) -> None:
        attempts[n] += 1
        if n == 0:
            raise RuntimeError("poison")
        good.append(n)

    @broker.subscriber(stream=StreamSub(f"{name}-dead", group="ops", polling_interval=0.05))
    async def inspect(msg: RedisMessage) -> None:
        dead_letters.append((msg.body, msg.headers.get("x-retries"), msg.headers.get("x-error")))

    try:
        async with broker:
            await broker.start()
            await broker.publish(0, stream=name)
            for n in range(1, 11):
                await broker.publish(n, stream=name)
            await broker.publish("not a number", stream=name)  # invalid: no retries
            await until(lambda: len(dead_letters) == 2, 10, "two dead letters")
            await until(lambda: len(good) == 10, 5, "the other messages")
            await asyncio.sleep(0.3)  # no hot loop: nothing more happens
            assert attempts[0] == 1 + RETRIES
            assert sorted(good) == list(range(1, 11))
            assert sorted(dead_letters) == sorted(
                [
                    (b"0", str(RETRIES), "RuntimeError"),
                    (b"not a number", "0", "MessageValidationError"),
                ]
            )
            sub = broker.subscribers[0]
            assert (sub.retried, sub.dead_lettered) == (RETRIES, 2)
            # Everything settled: nothing left pending in the group.
            admin = Redis.from_url("redis://127.0.0.1:6379")
            try:
                pending: Any = await admin.xpending(name, "g")
            finally:
                await admin.aclose()
            assert pending["pending"] == 0
    finally:
        admin = Redis.from_url("redis://127.0.0.1:6379")
        try:
            await admin.delete(name, f"{name}-dead")
        finally:
            await admin.aclose()


@pytest.mark.nats
async def test_nats_jetstream_poison_message_is_retried_then_dead_lettered(name: str) -> None:
    broker = NatsBroker("nats://127.0.0.1:4222")
    dead = broker.publisher(f"{name}-dead", stream=f"{name}-dead")
    attempts: Counter[int] = Counter()
    good: list[int] = []
    dead_letters: list[tuple[bytes, str | None, str | None]] = []

    @broker.subscriber(name, stream=name, durable="svc", max_retries=RETRIES, dead_letter=dead)
    async def handle(n: int) -> None:
        attempts[n] += 1
        if n == 0:
            raise RuntimeError("poison")
        good.append(n)

    @broker.subscriber(f"{name}-dead", stream=f"{name}-dead", durable="ops")
    async def inspect(msg: NatsMessage) -> None:
        dead_letters.append((msg.body, msg.headers.get("x-retries"), msg.headers.get("x-error")))

    try:
        async with broker:
            await broker.start()
            await broker.publish(0, name, stream=name)
            for n in range(1, 11):
                await broker.publish(n, name, stream=name)
            await until(lambda: len(dead_letters) == 1, 10, "the dead letter")
            await until(lambda: len(good) == 10, 5, "the other messages")
            await asyncio.sleep(0.3)
            assert attempts[0] == 1 + RETRIES
            assert sorted(good) == list(range(1, 11))
            assert dead_letters == [(b"0", str(RETRIES), "RuntimeError")]
    finally:
        js = NatsBroker("nats://127.0.0.1:4222")
        async with js:
            for stream in (name, f"{name}-dead"):
                await js.transport._jetstream().delete_stream(stream)  # type: ignore[attr-defined]


async def test_manual_and_ack_first_subscribers_are_never_republished(name: str) -> None:
    from faststream_fastapi.redis import TestRedisBroker

    broker = RedisBroker()
    dead = broker.publisher(f"{name}-dead")
    calls: Counter[str] = Counter()

    for policy in (AckPolicy.MANUAL, AckPolicy.ACK_FIRST):

        @broker.subscriber(
            f"{name}-{policy.name}", ack_policy=policy, max_retries=2, dead_letter=dead
        )
        async def fail(body: str) -> None:
            calls[body] += 1
            raise RuntimeError("poison")

    async with TestRedisBroker(broker):
        for policy in (AckPolicy.MANUAL, AckPolicy.ACK_FIRST):
            with pytest.raises(RuntimeError):
                await broker.publish(policy.name, f"{name}-{policy.name}")
        assert calls == {"MANUAL": 1, "ACK_FIRST": 1}
        assert dead.mock.call_count == 0


def test_max_retries_must_not_be_negative() -> None:
    from faststream_fastapi.core.errors import SetupError

    broker = RedisBroker()
    with pytest.raises(SetupError, match="max_retries"):

        @broker.subscriber("x", max_retries=-1)
        async def handle() -> None:
            return None


async def test_retries_and_dead_letter_under_the_test_broker(name: str) -> None:
    from faststream_fastapi.redis import TestRedisBroker

    broker = RedisBroker()
    dead = broker.publisher(stream=f"{name}-dead")
    calls: list[int] = []

    @broker.subscriber(stream=StreamSub(name, group="g"), max_retries=2, dead_letter=dead)
    async def fail(n: int) -> None:
        calls.append(n)
        raise RuntimeError("poison")

    async with TestRedisBroker(broker):
        await broker.publish(1, stream=name)  # handled by the policy: does not raise
        assert calls == [1, 1, 1]
        assert dead.mock.call_count == 1
        sub = broker.subscribers[0]
        assert (sub.retried, sub.dead_lettered) == (2, 1)


@pytest.mark.kafka
async def test_kafka_poison_record_is_retried_then_dead_lettered(name: str) -> None:
    broker = KafkaBroker("127.0.0.1:9092")
    dead = broker.publisher(f"{name}-dead")
    attempts: Counter[int] = Counter()
    good: list[int] = []
    dead_letters: list[tuple[bytes, str | None, bytes | None]] = []

    @broker.subscriber(
        name,
        group_id="svc",
        auto_offset_reset="earliest",
        max_retries=RETRIES,
        dead_letter=dead,
    )
    async def handle(n: int) -> None:
        attempts[n] += 1
        if n == 0:
            raise RuntimeError("poison")
        good.append(n)

    @broker.subscriber(f"{name}-dead", group_id="ops", auto_offset_reset="earliest")
    async def inspect(msg: KafkaMessage) -> None:
        dead_letters.append((msg.body, msg.headers.get("x-retries"), msg.key))

    async with broker:
        await broker.start()
        await broker.publish(0, name, key=b"poison")
        for n in range(1, 6):
            await broker.publish(n, name)
        await until(lambda: len(dead_letters) == 1, 30, "the dead letter")
        await until(lambda: len(good) == 5, 10, "the other records")
        await asyncio.sleep(0.3)
        assert attempts[0] == 1 + RETRIES
        assert dead_letters[0][:2] == (b"0", str(RETRIES))

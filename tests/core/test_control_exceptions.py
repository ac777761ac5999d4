"""``faststream_fastapi.exceptions`` raised in a handler or a dependency steer the message."""

import asyncio
import logging
from typing import Any

import pytest
from fastapi import Depends

from faststream_fastapi import AckPolicy, Context, StreamMessage
from faststream_fastapi.exceptions import (
    AckMessage,
    HandlerException,
    IgnoredException,
    NackMessage,
    RejectMessage,
    SkipMessage,
    StopConsume,
)
from faststream_fastapi.redis import RedisBroker, TestRedisBroker

CASES = [(AckMessage, "ack"), (NackMessage, "nack"), (RejectMessage, "reject"), (SkipMessage, None)]


@pytest.mark.parametrize(("exc", "settled"), CASES, ids=[c[0].__name__ for c in CASES])
async def test_raised_in_handler_settles_as_named_unlogged(
    caplog: pytest.LogCaptureFixture, name: str, exc: type[HandlerException], settled: str | None
) -> None:
    seen: list[StreamMessage] = []
    broker = RedisBroker()

    @broker.subscriber(name, ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(body: str, message: StreamMessage) -> None:
        seen.append(message)
        raise exc()

    caplog.set_level(logging.ERROR, "faststream_fastapi")
    async with TestRedisBroker(broker) as br:
        await br.publish("x", name)  # not raised on under a test broker
    assert seen[0].settled == settled
    assert caplog.records == []


@pytest.mark.parametrize(("exc", "settled"), CASES, ids=[c[0].__name__ for c in CASES])
async def test_raised_in_dependency(name: str, exc: type[HandlerException], settled: str) -> None:
    seen: list[StreamMessage] = []

    def refuse(message: Any = Context("message")) -> None:
        seen.append(message)
        raise exc(requeue=False)  # extra options are kept, not passed on

    broker = RedisBroker()

    @broker.subscriber(name, dependencies=[Depends(refuse)])
    async def handle(body: str) -> None:
        raise AssertionError("not reached")

    async with TestRedisBroker(broker) as br:
        await br.publish("x", name)
    assert seen[0].settled == settled


async def test_stop_consume_settles_as_failure_and_stops_only_that_subscriber(name: str) -> None:
    calls: list[str] = []
    broker = RedisBroker()

    @broker.subscriber(name)
    async def stops(body: str, message: StreamMessage) -> None:
        calls.append(body)
        raise StopConsume

    @broker.subscriber(name + "-other")
    async def other(body: str) -> None:
        calls.append("other:" + body)

    async with TestRedisBroker(broker) as br:
        await br.publish("1", name)
        sub = broker.subscribers[0]
        for _ in range(100):
            if sub.consumption is None:
                break
            await asyncio.sleep(0.01)
        assert sub.consumption is None and sub.halted
        assert broker.healthy()  # stopped on purpose
        await br.publish("b", name + "-other")
    assert calls == ["1", "other:b"]


def test_hierarchy_as_faststream_05() -> None:
    assert issubclass(StopConsume, IgnoredException)
    for exc in (AckMessage, NackMessage, RejectMessage, SkipMessage):
        assert issubclass(exc, HandlerException)
        assert issubclass(exc, IgnoredException)
    assert AckMessage(multiple=True).extra_options == {"multiple": True}


async def test_ack_message_wins_over_error_policy_in_middlewares_path(name: str) -> None:
    settled: list[Any] = []
    broker = RedisBroker()

    @broker.subscriber(name, max_message_bytes=1000)  # the staged pipeline
    async def handle(body: str, message: StreamMessage) -> None:
        settled.append(message)
        raise AckMessage

    async with TestRedisBroker(broker) as br:
        await br.publish("x", name)
    assert settled[0].settled == "ack"

"""A ``BaseMiddleware`` class's instance made for a message also wraps the publishes
of that message's handler result (its ``@publisher`` destinations, the reply), as in
FastStream 0.5; a publish the handler makes itself gets an instance of its own."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from faststream_fastapi import BaseMiddleware
from faststream_fastapi.redis import RedisBroker, TestRedisBroker
from support import collect

REDIS = "redis://127.0.0.1:6379"


def _tracking(seen: list[tuple[str, int, bool]]) -> type[BaseMiddleware]:
    class Tracking(BaseMiddleware):
        async def on_receive(self) -> None:
            seen.append(("receive", id(self), self.msg is not None))

        async def on_publish(self, msg: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append((f"publish:{msg}", id(self), self.msg is not None))
            return msg

    return Tracking


async def _answers(broker: RedisBroker, tester: Any, name: str) -> list[tuple[str, int, bool]]:
    seen: list[tuple[str, int, bool]] = []
    broker.add_middleware(_tracking(seen))
    got: asyncio.Queue[str] = asyncio.Queue()

    @broker.subscriber(f"{name}-in")
    @broker.publisher(f"{name}-out")
    async def handle(body: str) -> str:
        await broker.publish("aside", f"{name}-aside")
        return body + "!"

    @broker.subscriber(f"{name}-out")
    async def out(body: str) -> None:
        await got.put(body)

    @broker.subscriber(f"{name}-aside")
    async def aside(body: str) -> None:
        await got.put(body)

    async with tester(broker):
        await broker.start()
        await broker.publish("hi", f"{name}-in")
        assert sorted(await collect(2, got)) == ["aside", "hi!"]
    return seen


def _check(seen: list[tuple[str, int, bool]]) -> None:
    first_receive = next(s for s in seen if s[0] == "receive")
    answer = next(s for s in seen if s[0] == "publish:hi!")
    aside = next(s for s in seen if s[0] == "publish:aside")
    outside = next(s for s in seen if s[0] == "publish:hi")
    assert answer[1] == first_receive[1] and answer[2]  # the consuming instance, msg set
    assert aside[1] != first_receive[1] and not aside[2]  # its own instance, msg None
    assert not outside[2]


async def test_result_publish_goes_through_the_consuming_instance(name: str) -> None:
    _check(await _answers(RedisBroker(), TestRedisBroker, name))


@pytest.mark.redis
async def test_result_publish_goes_through_the_consuming_instance_on_redis(name: str) -> None:
    _check(await _answers(RedisBroker(REDIS), lambda b: b, name))


async def test_reply_goes_through_the_consuming_instance(name: str) -> None:
    seen: list[tuple[str, int, bool]] = []
    broker = RedisBroker(middlewares=[_tracking(seen)])

    @broker.subscriber(name)
    async def handle(body: str) -> str:
        return body.upper()

    async with TestRedisBroker(broker):
        reply = await broker.request("ask", name)
        assert await reply.decode() == "ASK"
    receive = next(s for s in seen if s[0] == "receive")
    answer = next(s for s in seen if s[0] == "publish:ASK")
    assert answer[1] == receive[1] and answer[2]


async def test_a_nested_delivery_does_not_take_the_outer_answer(name: str) -> None:
    """Under a test broker the answer is consumed inside the publish: a publish made by
    that inner handler is not an answer to the outer message."""
    seen: list[tuple[str, int, bool]] = []
    broker = RedisBroker(middlewares=[_tracking(seen)])

    @broker.subscriber(f"{name}-in")
    @broker.publisher(f"{name}-out")
    async def handle(body: str) -> str:
        return body + "!"

    @broker.subscriber(f"{name}-out")
    async def out(body: str) -> None:
        await broker.publish("nested", f"{name}-end")

    @broker.subscriber(f"{name}-end")
    async def end(body: str) -> None:
        pass

    async with TestRedisBroker(broker):
        await broker.publish("hi", f"{name}-in")
    nested = next(s for s in seen if s[0] == "publish:nested")
    assert not nested[2]
    assert nested[1] not in {s[1] for s in seen if s[0] == "receive"}

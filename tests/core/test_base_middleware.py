"""``BaseMiddleware`` (FastStream 0.5's hooks) and ``add_middleware`` on the package's seam."""

from typing import Any

import pytest

from faststream_fastapi import BaseMiddleware, StreamMessage
from faststream_fastapi.core import Middleware
from faststream_fastapi.redis import RedisBroker, TestRedisBroker


def _recording(log: list[str]) -> type[BaseMiddleware]:
    class Recording(BaseMiddleware):
        async def on_receive(self) -> None:
            log.append(f"receive:{self.msg is not None}")

        async def on_consume(self, msg: StreamMessage) -> StreamMessage:
            log.append("consume")
            return msg

        async def after_consume(self, err: Exception | None) -> None:
            log.append(f"after_consume:{type(err).__name__ if err else None}")
            await super().after_consume(err)

        async def after_processed(self, exc_type: Any = None, *args: Any) -> bool | None:
            log.append(f"processed:{exc_type.__name__ if exc_type else None}")
            return False

        async def on_publish(self, msg: Any, *args: Any, **kwargs: Any) -> Any:
            log.append(f"publish:{msg}:{kwargs['destination']}")
            return msg

        async def after_publish(self, err: Exception | None) -> None:
            log.append("after_publish")

    return Recording


async def test_consume_hooks_in_order(name: str) -> None:
    log: list[str] = []
    broker = RedisBroker(middlewares=[_recording(log)])

    @broker.subscriber(name)
    async def handle(body: str) -> None:
        log.append("handler")

    async with TestRedisBroker(broker) as br:
        log.clear()
        await br.publish("x", name)
    assert log == [
        "publish:x:" + name,
        "receive:True",
        "consume",
        "handler",
        "after_consume:None",
        "processed:None",
        "after_publish",
    ]


async def test_errors_reach_the_hooks_and_after_processed_may_swallow(name: str) -> None:
    log: list[str] = []

    class Swallow(BaseMiddleware):
        async def after_processed(self, exc_type: Any = None, *args: Any) -> bool | None:
            log.append(f"swallowed:{exc_type.__name__}")
            return True

    broker = RedisBroker(middlewares=[Swallow, _recording(log)])

    @broker.subscriber(name)
    async def handle(body: str) -> None:
        raise ValueError("boom")

    async with TestRedisBroker(broker) as br:
        await br.publish("x", name)  # swallowed: settled as a success
    assert "after_consume:ValueError" in log
    assert "processed:ValueError" in log
    assert log[-2:] == ["swallowed:ValueError", "after_publish"]


async def test_on_publish_changes_the_body_replies_included(name: str) -> None:
    got: list[str] = []

    class Twice(BaseMiddleware):
        async def on_publish(self, msg: Any, *args: Any, **kwargs: Any) -> Any:
            return msg * 2

    broker = RedisBroker(middlewares=[Twice])

    @broker.subscriber(name)
    async def echo(body: str) -> str:
        return body

    @broker.subscriber(name + "-r")
    async def reply(body: str) -> None:
        got.append(body)

    async with TestRedisBroker(broker) as br:
        await br.publish("r", name, reply_to=name + "-r")
    assert got == ["rrrr"]


async def test_function_middleware_and_add_middleware(name: str) -> None:
    log: list[str] = []

    async def around(call_next: Any, message: StreamMessage) -> Any:
        log.append("function")
        return await call_next(message)

    class Ours(Middleware):
        async def consume(self, message: StreamMessage, call_next: Any) -> Any:
            log.append("ours")
            return await call_next(message)

    broker = RedisBroker()

    @broker.subscriber(name, middlewares=[around])
    async def handle(body: str) -> None:
        log.append("handler")

    broker.add_middleware(Ours())
    broker.add_middleware(_recording(log))
    async with TestRedisBroker(broker) as br:
        log.clear()
        await br.publish("x", name)
    assert log[0] == "publish:x:" + name  # added to the publish chain too
    assert log[1:5] == ["ours", "receive:True", "consume", "function"]


def test_not_a_middleware_is_refused() -> None:
    from faststream_fastapi.core import SetupError

    with pytest.raises(SetupError, match="not a middleware"):
        RedisBroker(middlewares=[42])  # type: ignore[list-item]

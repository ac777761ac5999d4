"""Plugin exchange types and ``ReplyConfig`` against the real RabbitMQ server.

The test server may lack the plugins: then declaring their exchanges must fail
with an error naming the plugin and leave the broker's connection working; the
routing tests run only where the plugin is enabled.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from faststream_fastapi.core.errors import SetupError
from faststream_fastapi.rabbit import (
    ExchangeType,
    RabbitBroker,
    RabbitExchange,
    RabbitQueue,
    ReplyConfig,
)
from faststream_fastapi.rabbit.fastapi import RabbitMessage
from support import collect

pytestmark = pytest.mark.rabbit
URL = "amqp://guest:guest@127.0.0.1:5672/"


async def _has_plugin_type(kind: ExchangeType) -> bool:
    broker = RabbitBroker(URL)
    async with broker:
        await broker.start()
        try:
            await broker.transport._plugins.check(kind)  # type: ignore[attr-defined]
        except SetupError:
            return False
    return True


@pytest.mark.parametrize(
    ("kind", "plugin"),
    [
        (ExchangeType.X_DELAYED_MESSAGE, "rabbitmq_delayed_message_exchange"),
        (ExchangeType.X_CONSISTENT_HASH, "rabbitmq_consistent_hash_exchange"),
    ],
)
async def test_a_missing_plugin_is_named_and_the_connection_survives(
    name: str, kind: ExchangeType, plugin: str
) -> None:
    if await _has_plugin_type(kind):
        pytest.skip(f"the server has {plugin}")
    broker = RabbitBroker(URL)
    got: asyncio.Queue[str] = asyncio.Queue()

    @broker.subscriber(name)
    async def plain(body: str) -> None:
        await got.put(body)

    async with broker:
        await broker.start()
        exchange = RabbitExchange(f"{name}-x", type=kind, auto_delete=True)
        with pytest.raises(SetupError, match=plugin):
            await broker.publish("lost", exchange=exchange, routing_key="1")
        # The publishing connection and the consumer on it are untouched.
        await broker.publish("kept", name)
        assert await collect(1, got) == ["kept"]

        late = RabbitBroker(URL)

        @late.subscriber(RabbitQueue(f"{name}-q", auto_delete=True), exchange)
        async def bound(body: str) -> None: ...

        async with late:
            with pytest.raises(SetupError, match=plugin):
                await late.start()


async def test_consistent_hash_gives_each_message_to_one_queue(name: str) -> None:
    if not await _has_plugin_type(ExchangeType.X_CONSISTENT_HASH):
        pytest.skip("the server lacks rabbitmq_consistent_hash_exchange")
    exchange = RabbitExchange(name, type=ExchangeType.X_CONSISTENT_HASH, auto_delete=True)
    broker = RabbitBroker(URL)
    got: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    def collecting(queue: str) -> Any:
        async def handle(body: str) -> None:
            await got.put((queue, body))

        return handle

    for queue in ("a", "b"):
        spec = RabbitQueue(f"{name}-{queue}", routing_key="1", auto_delete=True)
        broker.subscriber(spec, exchange)(collecting(queue))

    async with broker:
        await broker.start()
        for i in range(40):
            await broker.publish(str(i), exchange=exchange, routing_key=f"k{i % 10}")
        received = await collect(40, got)
    owner: dict[int, set[str]] = {}
    for queue, body in received:
        owner.setdefault(int(body) % 10, set()).add(queue)
    assert all(len(queues) == 1 for queues in owner.values())


async def test_delayed_exchange_holds_the_message(name: str) -> None:
    if not await _has_plugin_type(ExchangeType.X_DELAYED_MESSAGE):
        pytest.skip("the server lacks rabbitmq_delayed_message_exchange")
    exchange = RabbitExchange(name, type=ExchangeType.X_DELAYED_MESSAGE, auto_delete=True)
    broker = RabbitBroker(URL)
    got: asyncio.Queue[float] = asyncio.Queue()

    @broker.subscriber(RabbitQueue(name, auto_delete=True), exchange)
    async def handle(body: str) -> None:
        await got.put(asyncio.get_running_loop().time())

    async with broker:
        await broker.start()
        sent = asyncio.get_running_loop().time()
        await broker.publish("x", exchange=exchange, routing_key=name, headers={"x-delay": "500"})
        (arrived,) = await collect(1, got)
    assert arrived - sent >= 0.4


async def test_reply_config_persists_the_reply(name: str) -> None:
    broker = RabbitBroker(URL)
    got: asyncio.Queue[Any] = asyncio.Queue()

    with pytest.warns(DeprecationWarning):

        @broker.subscriber(
            RabbitQueue(name, auto_delete=True), reply_config=ReplyConfig(persist=True)
        )
        async def handle(body: str) -> str:
            return body

    @broker.subscriber(RabbitQueue(f"{name}-reply", auto_delete=True))
    async def replies(body: str, msg: RabbitMessage) -> None:
        await got.put((body, msg.raw.delivery_mode))

    async with broker:
        await broker.start()
        await broker.publish("Hello!", name, reply_to=f"{name}-reply")
        ((body, mode),) = await collect(1, got)
    assert (body, int(mode)) == ("Hello!", 2)  # persistent

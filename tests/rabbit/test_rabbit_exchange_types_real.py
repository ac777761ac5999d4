"""Plugin exchange types and ``ReplyConfig`` against the real RabbitMQ server.

``scripts/brokers.sh`` enables the consistent-hash plugin (it ships with
RabbitMQ) and never installs the delayed-message or sharding plugins: declaring
their exchanges must fail with an error naming the plugin and leave the broker's
connection working. Delayed delivery itself is covered by ``TestRabbitBroker``.
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


@pytest.mark.parametrize(
    ("kind", "plugin"),
    [
        (ExchangeType.X_DELAYED_MESSAGE, "rabbitmq_delayed_message_exchange"),
        (ExchangeType.X_MODULUS_HASH, "rabbitmq_sharding"),
    ],
)
async def test_a_missing_plugin_is_named_and_the_connection_survives(
    name: str, kind: ExchangeType, plugin: str
) -> None:
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

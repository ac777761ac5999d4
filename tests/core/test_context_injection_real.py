"""Context injection where the broker matters, on the real servers: ``Context(cast=True)``,
a header read through ``Context("message.headers.user")``, the ``ContextRepo``
annotation, and an ``apply_types`` function called from a handler seeing its message;
an app's hooks around a real broker."""

import asyncio
from typing import Any
from uuid import uuid4

import pytest

from faststream_fastapi import Context, ContextRepo, FastStream, TestApp, apply_types, context
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.rabbit import RabbitBroker
from faststream_fastapi.redis import RedisBroker

BROKERS = [
    pytest.param(
        lambda: RedisBroker("redis://127.0.0.1:6379"), marks=pytest.mark.redis, id="redis"
    ),
    pytest.param(lambda: NatsBroker("nats://127.0.0.1:4222"), marks=pytest.mark.nats, id="nats"),
    pytest.param(
        lambda: RabbitBroker("amqp://guest:guest@127.0.0.1:5672/"),
        marks=pytest.mark.rabbit,
        id="rabbit",
    ),
]


@pytest.mark.parametrize("make", BROKERS)
async def test_context_features_in_a_handler_on_a_real_broker(make: Any) -> None:
    broker = make()
    key, name = f"k-{uuid4().hex}", f"t-{uuid4().hex}"
    context.set_global(key, "1")
    got: asyncio.Queue[Any] = asyncio.Queue()

    @apply_types
    def inner(correlation_id: Any = Context(), user: str = Context("message.headers.user")) -> Any:
        return correlation_id, user

    @broker.subscriber(name)
    async def handle(
        body: str,
        number: int = Context(key, cast=True),
        user: str = Context("message.headers.user"),
        repo: ContextRepo = None,  # type: ignore[assignment]
        message: Any = Context("message"),
    ) -> None:
        with repo.scope("correlation_id", message.correlation_id):
            await got.put((body, number, user, repo is context, inner()))

    try:
        async with broker:
            await broker.start()
            await broker.publish("hi", name, headers={"user": "ann"}, correlation_id="c-1")
            result = await asyncio.wait_for(got.get(), 10)
    finally:
        context.reset_global(key)
    assert result == ("hi", 1, "ann", True, ("c-1", "ann"))


@pytest.mark.redis
async def test_app_hooks_set_context_a_real_handler_reads() -> None:
    broker = RedisBroker("redis://127.0.0.1:6379")
    app = FastStream(broker, logger=None)
    key, name = f"k-{uuid4().hex}", f"t-{uuid4().hex}"
    got: asyncio.Queue[Any] = asyncio.Queue()

    @app.on_startup
    async def setup(repo: ContextRepo, factor: int = 1) -> None:
        repo.set_global(key, {"factor": factor})

    @app.on_shutdown
    async def shutdown(model: dict[str, int] = Context(key)) -> None:
        model.clear()

    @broker.subscriber(name)
    async def predict(x: float, model: Any = Context(key)) -> None:
        await got.put(x * model["factor"])

    try:
        async with TestApp(app, {"factor": "42"}):
            await broker.publish(2, name)
            assert await asyncio.wait_for(got.get(), 10) == 84
        assert context.get(key) == {}
    finally:
        context.reset_global(key)


@pytest.mark.rabbit
async def test_rabbit_connection_and_channel_annotations() -> None:
    import aio_pika

    from faststream_fastapi.rabbit.annotations import Channel, Connection

    broker = RabbitBroker("amqp://guest:guest@127.0.0.1:5672/")
    name = f"t-{uuid4().hex}"
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(name)
    async def handle(body: str, connection: Connection, channel: Channel) -> None:
        await got.put((connection, channel))

    async with broker:
        await broker.start()
        await broker.publish("hi", name)
        connection, channel = await asyncio.wait_for(got.get(), 10)
    assert isinstance(connection, aio_pika.abc.AbstractRobustConnection)
    assert isinstance(channel, aio_pika.abc.AbstractChannel)

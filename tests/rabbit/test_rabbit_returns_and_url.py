"""RabbitMQ as FastStream 0.5 had it: unroutable publishes dropped unless asked, and
``RabbitBroker.url`` built from ``host=``/``port=``/``virtualhost=`` and ``security=``
(issue #15, section 5)."""

from __future__ import annotations

import asyncio
import ssl

import pytest

from faststream_fastapi.core.errors import PublishError
from faststream_fastapi.rabbit import RabbitBroker, TestRabbitBroker
from faststream_fastapi.security import BaseSecurity, SASLPlaintext
from support import collect

URL = "amqp://guest:guest@127.0.0.1:5672/"


@pytest.mark.rabbit
async def test_publish_to_a_queue_nobody_declared_does_not_raise(name: str) -> None:
    async with RabbitBroker(URL) as broker:
        assert await broker.publish("lost", f"{name}-nobody") is None
        assert await broker.ping()


@pytest.mark.rabbit
async def test_on_return_raises_makes_it_an_error(name: str) -> None:
    async with RabbitBroker(URL, on_return_raises=True) as broker:
        with pytest.raises(PublishError, match="NO_ROUTE"):
            await broker.publish("lost", f"{name}-nobody")
        await broker.publish("dropped", f"{name}-nobody", mandatory=False)


@pytest.mark.rabbit
async def test_a_declared_queue_still_gets_the_message(name: str) -> None:
    got: asyncio.Queue[str] = asyncio.Queue()
    broker = RabbitBroker(host="127.0.0.1", port=5672)

    @broker.subscriber(name)
    async def handle(text: str) -> None:
        await got.put(text)

    async with broker:
        await broker.start()
        await broker.publish("hello", name)
        assert await collect(1, got) == ["hello"]


async def test_the_test_broker_takes_the_option() -> None:
    broker = RabbitBroker(on_return_raises=True)

    @broker.subscriber("orders")
    async def handle(text: str) -> None: ...

    async with TestRabbitBroker(broker) as br:
        await br.publish("hi", "orders")
        handle.mock.assert_called_once_with("hi")


def test_url_reflects_host_port_and_virtualhost() -> None:
    broker = RabbitBroker("amqp://guest:guest@localhost:5672/?heartbeat=300", host="127.0.0.1")
    assert broker.url == "amqp://guest:guest@127.0.0.1:5672/?heartbeat=300"
    assert RabbitBroker(port=5673).url == "amqp://guest:guest@localhost:5673/"
    assert RabbitBroker(virtualhost="orders").url == "amqp://guest:guest@localhost:5672/orders"
    assert RabbitBroker().url == "amqp://guest:guest@localhost:5672/"


def test_url_reflects_security() -> None:
    context = ssl.create_default_context()
    tls = RabbitBroker(
        "amqp://guest:guest@localhost:5672/", security=BaseSecurity(ssl_context=context)
    )
    assert tls.url == "amqps://guest:guest@localhost:5672/"
    plain = RabbitBroker(security=SASLPlaintext(username="admin", password="s3cret"))
    assert plain.url == "amqp://admin:s3cret@localhost:5672/"


def test_max_consumers_is_the_prefetch_count() -> None:
    assert RabbitBroker(max_consumers=3).transport.prefetch_count == 3  # type: ignore[attr-defined]
    assert RabbitBroker(prefetch_count=4, max_consumers=3).transport.prefetch_count == 4  # type: ignore[attr-defined]

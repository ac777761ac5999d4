"""``connect()`` as in FastStream 0.5: it returns the client library's connection,
takes ``security=`` like the constructor, and a Redis ``host=``/``port=`` wins over
the URL's."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from aio_pika.abc import AbstractRobustConnection
from aiokafka import AIOKafkaProducer
from confluent_kafka import Producer
from nats.aio.client import Client
from redis.asyncio import Redis

from faststream_fastapi.confluent import KafkaBroker as ConfluentBroker
from faststream_fastapi.core.errors import BrokerConnectionError, InsecureCredentialsWarning
from faststream_fastapi.kafka import KafkaBroker
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.rabbit import RabbitBroker, TestRabbitBroker
from faststream_fastapi.redis import RedisBroker
from faststream_fastapi.redis.pool import make_client
from faststream_fastapi.security import SASLPlaintext

KAFKA = "127.0.0.1:9092"


@pytest.mark.parametrize(
    ("make", "native"),
    [
        pytest.param(lambda: RedisBroker("redis://127.0.0.1:6379"), Redis,
                     marks=pytest.mark.redis, id="redis"),
        pytest.param(lambda: NatsBroker("nats://127.0.0.1:4222"), Client,
                     marks=pytest.mark.nats, id="nats"),
        pytest.param(lambda: RabbitBroker("amqp://guest:guest@127.0.0.1:5672/"),
                     AbstractRobustConnection, marks=pytest.mark.rabbit, id="rabbit"),
        pytest.param(lambda: KafkaBroker(KAFKA), AIOKafkaProducer,
                     marks=pytest.mark.kafka, id="kafka"),
        pytest.param(lambda: ConfluentBroker(KAFKA), Producer,
                     marks=pytest.mark.kafka, id="confluent"),
    ],
)  # fmt: skip
async def test_connect_returns_the_clients_connection(make: Any, native: type) -> None:
    broker = make()
    try:
        first = await broker.connect()
        assert isinstance(first, native)
        assert await broker.connect() is first  # connected already: the same one
    finally:
        await broker.close()
    assert await broker.ping(1.0) is False


@pytest.mark.rabbit
async def test_rabbit_connect_takes_security_over_the_constructors() -> None:
    broker = RabbitBroker(host="fake-host", port=5677)
    security = SASLPlaintext(username="guest", password="guest")
    try:
        connection = await broker.connect(host="127.0.0.1", port=5672, security=security)
        assert isinstance(connection, AbstractRobustConnection)
        assert broker.security is security
        assert await broker.ping(5.0)
    finally:
        await broker.close()


@pytest.mark.rabbit
async def test_rabbit_connect_refuses_wrong_credentials_given_there() -> None:
    broker = RabbitBroker(host="127.0.0.1", port=5672)
    wrong = SASLPlaintext(username="guest", password="not-the-password")
    with (
        pytest.warns(InsecureCredentialsWarning),  # SASLPlaintext over plain AMQP
        pytest.raises(BrokerConnectionError, match="RabbitBroker cannot connect"),
    ):
        await broker.connect(security=wrong)
    assert not broker.connected


@pytest.mark.redis
async def test_redis_host_and_port_win_over_the_url() -> None:
    broker = RedisBroker("redis://localhost:6378", host="127.0.0.1", port=6379)
    try:
        client = await broker.connect()
        assert await client.ping() is True
    finally:
        await broker.close()


def test_redis_keywords_win_over_the_urls_parts() -> None:
    client = make_client("redis://u:p@localhost:6378/2?socket_timeout=3", {"port": 6390})
    kwargs = client.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("localhost", 6390, 2)
    assert (kwargs["username"], kwargs["password"], kwargs["socket_timeout"]) == ("u", "p", 3.0)
    kept = make_client("redis://localhost:6378/1", {}).connection_pool.connection_kwargs
    assert (kept["port"], kept["db"]) == (6378, 1)


@pytest.mark.parametrize("package", ["kafka", "confluent", "nats", "rabbit", "redis"])
async def test_connect_under_a_test_broker_returns_none(package: str) -> None:
    module = importlib.import_module(f"faststream_fastapi.{package}")
    broker_class = next(getattr(module, n) for n in dir(module) if n.endswith("Broker"))
    test_class = next(
        getattr(module, n) for n in dir(module) if n.startswith("Test") and n.endswith("Broker")
    )
    broker = broker_class()
    async with test_class(broker):
        assert await broker.connect() is None
        assert broker.connected


async def test_connect_security_under_a_test_broker_changes_nothing() -> None:
    broker = RabbitBroker()
    async with TestRabbitBroker(broker):
        given = SASLPlaintext(username="a", password="b")
        assert await broker.connect(security=given) is None
        assert broker.security is None

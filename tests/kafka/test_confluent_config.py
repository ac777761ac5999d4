"""confluent ``KafkaBroker(config={...})``: FastStream 0.5's librdkafka configuration by
dotted names, with the enums of ``faststream_fastapi.confluent.config``."""

from __future__ import annotations

import asyncio
from enum import Enum

import pytest

from faststream_fastapi.confluent import KafkaBroker, TestKafkaBroker, config
from faststream_fastapi.confluent.fastapi import KafkaRouter

SERVERS = "127.0.0.1:9092"


def test_config_enums_reach_librdkafka_as_their_values() -> None:
    broker = KafkaBroker(
        config={
            "compression.codec": config.CompressionCodec.lz4,
            "isolation.level": config.IsolationLevel.read_committed,
            "debug": config.Debug.broker,
            "linger.ms": 7,
        }
    )
    given = broker.config.as_config_dict()
    assert given == {
        "compression.codec": "lz4",
        "isolation.level": "read_committed",
        "debug": "broker",
        "linger.ms": 7,
    }
    assert not any(isinstance(v, Enum) for v in given.values())
    options = broker.transport.options  # type: ignore[attr-defined]
    assert options["compression.codec"] == "lz4" and options["linger.ms"] == 7


def test_a_keyword_wins_over_config() -> None:
    broker = KafkaBroker(config={"linger.ms": 7, "client.id": "from-config"}, linger_ms=9)
    options = broker.transport.options  # type: ignore[attr-defined]
    assert (options["linger.ms"], options["client.id"]) == (9, "from-config")


def test_an_unknown_property_in_config_is_refused() -> None:
    with pytest.raises(TypeError, match=r"'no\.such\.property'"):
        KafkaBroker(config={"no.such.property": 1})
    with pytest.raises(ValueError, match=r"compression\.codec"):
        KafkaBroker(config={"compression.codec": "no-such-codec"})


def test_without_config_nothing_is_added() -> None:
    assert KafkaBroker().config.as_config_dict() == {}
    assert KafkaRouter(config={"linger.ms": 3}).broker.config.as_config_dict() == {"linger.ms": 3}


async def test_config_under_the_test_broker(name: str) -> None:
    broker = KafkaBroker(config={"compression.codec": config.CompressionCodec.none})
    got: list[str] = []

    @broker.subscriber(name)
    async def handle(body: str) -> None:
        got.append(body)

    async with TestKafkaBroker(broker):
        await broker.publish("hi", name)
    assert got == ["hi"]


@pytest.mark.kafka
async def test_config_on_the_cluster(name: str) -> None:
    broker = KafkaBroker(
        SERVERS,
        config={
            "client.id": f"cfg-{name}",
            "compression.codec": config.CompressionCodec.none,
            "client.dns.lookup": config.ClientDNSLookup.use_all_dns_ips,
        },
    )
    got: asyncio.Queue[str] = asyncio.Queue()

    @broker.subscriber(name)
    async def handle(body: str) -> None:
        await got.put(body)

    async with broker:
        await broker.start()
        await broker.publish("hi", name)
        assert await asyncio.wait_for(got.get(), 30) == "hi"

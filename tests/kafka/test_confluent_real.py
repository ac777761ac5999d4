"""The real-cluster scenarios (``kafka_scenarios``) through confluent-kafka."""

from __future__ import annotations

import asyncio
from types import ModuleType

import pytest
from kafka_batch_scenarios import *  # noqa: F403
from kafka_scenarios import *  # noqa: F403  (the shared scenarios, collected here)
from kafka_scenarios import create_topic
from kafka_workers_scenarios import *  # noqa: F403

import faststream_fastapi.confluent
from faststream_fastapi.core.errors import PublishError


@pytest.fixture
def pkg() -> ModuleType:
    return faststream_fastapi.confluent


@pytest.fixture
def name(name: str) -> str:
    """The shared scenarios were written for the 4 partitions tansu gives a topic it
    creates; confluent subscribers would create it with one."""
    return create_topic(name)


@pytest.mark.kafka
async def test_delivery_report_errors_raise_from_publish() -> None:
    broker = faststream_fastapi.confluent.KafkaBroker("127.0.0.1:9092")
    async with broker:
        # Refused by the cluster (a delivery report) or by librdkafka's cached
        # metadata (at produce time): either way, ``publish`` raises.
        with pytest.raises(PublishError, match=r"(Invalid|Unknown) topic"):
            await asyncio.wait_for(broker.publish("x", "not a valid topic!"), 15)


@pytest.mark.kafka
async def test_config_mapping_reaches_librdkafka(name: str) -> None:
    """FastStream 0.5's ``config=``: librdkafka properties by their dotted names. The
    session timeout given there is what lets the group join within the wait (tansu
    answers a join after half the session timeout; librdkafka's default is 45 s)."""
    broker = faststream_fastapi.confluent.KafkaBroker(
        "127.0.0.1:9092",
        config={"session.timeout.ms": 3000, "heartbeat.interval.ms": 1000},
    )
    got: asyncio.Queue[str] = asyncio.Queue()

    @broker.subscriber(name, group_id=f"{name}-g", auto_offset_reset="earliest")
    async def handle(body: str) -> None:
        await got.put(body)

    async with broker:
        await broker.start()
        await broker.publish("configured", name)
        assert await asyncio.wait_for(got.get(), 12) == "configured"

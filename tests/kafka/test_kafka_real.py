"""The real-cluster scenarios (``kafka_scenarios``) through aiokafka."""

from __future__ import annotations

from types import ModuleType

import pytest
from kafka_batch_scenarios import *  # noqa: F403
from kafka_scenarios import *  # noqa: F403  (the shared scenarios, collected here)
from kafka_workers_scenarios import *  # noqa: F403

import faststream_fastapi.kafka


@pytest.fixture
def pkg() -> ModuleType:
    return faststream_fastapi.kafka


@pytest.mark.kafka
async def test_a_keyless_batch_goes_to_one_partition_in_order(name: str) -> None:
    # As FastStream 0.5's one record batch: a consumer reads it in the order given,
    # however many partitions the topic has (the cluster here makes four).
    broker = faststream_fastapi.kafka.KafkaBroker("127.0.0.1:9092", logger=None)
    async with broker:
        await broker.connect()
        first = await broker.publish_batch(*range(8), topic=name)
        second = await broker.publish_batch(*range(3), topic=name, key=b"k")
    assert len({meta.partition for meta in first}) == 1
    assert [meta.offset for meta in first] == sorted(meta.offset for meta in first)
    assert len({meta.partition for meta in second}) == 1

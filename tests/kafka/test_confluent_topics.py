"""confluent subscribers create their topics with one partition when they start
(``allow_auto_create_topics``, default on), as FastStream 0.5's confluent broker does."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient

from faststream_fastapi._kafka.specs import KafkaTopic
from faststream_fastapi.confluent import KafkaBroker, TestKafkaBroker, TopicPartition
from faststream_fastapi.confluent.annotations import KafkaMessage
from faststream_fastapi.confluent.topics import DISABLED, topics_of, wanted

SERVERS = "127.0.0.1:9092"
GROUP_OPTIONS: dict[str, Any] = {"session_timeout_ms": 3000, "heartbeat_interval_ms": 1000}
WAIT = 15.0


def fresh() -> str:
    return f"auto-{uuid.uuid4().hex[:12]}"


def partitions_of(topic: str) -> int | None:
    """The partition count of ``topic``, ``None`` when the cluster does not have it
    (an admin client's metadata request does not create topics)."""
    meta = AdminClient({"bootstrap.servers": SERVERS}).list_topics(timeout=10)
    found = meta.topics.get(topic)
    return None if found is None or found.error is not None else len(found.partitions)


@pytest.mark.kafka
@pytest.mark.parametrize("group_id", [None, "g"])
async def test_a_fresh_topic_is_created_with_one_partition(group_id: str | None) -> None:
    topic, other = fresh(), fresh()
    broker = KafkaBroker(SERVERS, **GROUP_OPTIONS)
    got: asyncio.Queue[tuple[str, int]] = asyncio.Queue()

    @broker.subscriber(
        topic, group_id=group_id and f"{group_id}-{topic}", auto_offset_reset="earliest"
    )
    async def handler(body: str, msg: KafkaMessage) -> None:
        await got.put((body, msg.partition))

    @broker.subscriber(partitions=[TopicPartition(other, 0)])
    async def assigned(body: str) -> None:
        await got.put((body, -1))

    async with broker:
        await broker.start()
        assert partitions_of(topic) == 1
        assert partitions_of(other) == 1
        for n in range(3):
            await broker.publish(f"m{n}", topic)
        received = [await asyncio.wait_for(got.get(), WAIT) for _ in range(3)]
    assert sorted(received) == [("m0", 0), ("m1", 0), ("m2", 0)]


@pytest.mark.kafka
async def test_an_existing_topic_is_left_as_it_is(caplog: pytest.LogCaptureFixture) -> None:
    topic = fresh()
    broker = KafkaBroker(SERVERS, **GROUP_OPTIONS)

    @broker.subscriber(topic)
    async def first(body: str) -> None: ...

    @broker.subscriber(topic)  # the same topic: asked for once
    async def second(body: str) -> None: ...

    with caplog.at_level(logging.INFO):
        async with broker:
            await broker.start()
        async with broker:  # a new connection asks again; the cluster has it
            await broker.start()
    created = [r for r in caplog.records if r.getMessage() == f"Topic `{topic}` created."]
    assert len(created) == 1
    assert not [r for r in caplog.records if "Failed to create topic" in r.getMessage()]
    assert partitions_of(topic) == 1


@pytest.mark.kafka
async def test_disabled_creates_nothing_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    topic = fresh()
    broker = KafkaBroker(SERVERS, **GROUP_OPTIONS)

    @broker.subscriber(topic, group_id=f"g-{topic}", allow_auto_create_topics=False)
    async def handler(body: str) -> None: ...

    with caplog.at_level(logging.WARNING):
        async with broker:
            await broker.start()
            await asyncio.sleep(2)  # the consumer asks the cluster for the topic meanwhile
            assert partitions_of(topic) is None
    assert any(r.getMessage() == DISABLED for r in caplog.records)


@pytest.mark.kafka
async def test_disabled_without_group_fails_the_start_on_a_missing_topic() -> None:
    topic = fresh()
    broker = KafkaBroker(SERVERS, allow_auto_create_topics=False)

    @broker.subscriber(topic)
    async def handler(body: str) -> None: ...

    async with broker:
        with pytest.raises(Exception, match="Unknown topic"):
            await broker.start()
    assert partitions_of(topic) is None


def test_the_option_and_the_topics_a_subscription_names() -> None:
    assert wanted({})
    assert not wanted({"allow.auto.create.topics": False})
    assert not wanted({"allow.auto.create.topics": "false"})
    assert wanted({"allow.auto.create.topics": "true"})
    spec = KafkaTopic(
        topics=("a", "b"), partitions=(TopicPartition("c", 1), TopicPartition("a", 0))
    )
    assert topics_of(spec) == ["a", "b", "c"]
    assert topics_of(KafkaTopic(pattern="a.*")) == []


async def test_in_memory_the_option_is_accepted_and_nothing_changes() -> None:
    broker = KafkaBroker(SERVERS)
    got: list[str] = []

    @broker.subscriber("t", allow_auto_create_topics=False)
    async def handler(body: str) -> None:
        got.append(body)

    async with TestKafkaBroker(broker) as br:
        await br.publish("hi", "t")
    assert got == ["hi"]


def test_the_broker_and_the_router_take_the_option() -> None:
    from faststream_fastapi.confluent.fastapi import KafkaRouter

    assert KafkaBroker(SERVERS, allow_auto_create_topics=False) is not None
    router = KafkaRouter(SERVERS, allow_auto_create_topics=False)
    assert router.broker is not None
    with pytest.raises(ValueError, match=r"allow\.auto\.create\.topics"):
        KafkaBroker(SERVERS, allow_auto_create_topics="sometimes")

"""Real-cluster scenarios both Kafka client packages must pass.

Collected through ``test_kafka_real.py`` (aiokafka) and ``test_confluent_real.py``
(confluent-kafka), each providing the ``pkg`` fixture. tansu answers a group
join after about half the session timeout, hence the short session timeouts.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel

from faststream_fastapi import AckPolicy, Header, Path
from faststream_fastapi.core.errors import BrokerConnectionError, PublishError
from faststream_fastapi.kafka.fastapi import KafkaMessage as Msg

pytestmark = pytest.mark.kafka

SERVERS = "127.0.0.1:9092"
#: tansu answers a group join after about half the session timeout.
GROUP_OPTIONS: dict[str, Any] = {"session_timeout_ms": 3000, "heartbeat_interval_ms": 1000}
WAIT = 15.0


class Item(BaseModel):
    x: int


def create_topic(topic: str, partitions: int = 4) -> str:
    """Create ``topic`` with tansu's default partition count for a topic it creates itself:
    confluent subscribers create a fresh topic with one (``allow_auto_create_topics``)."""
    from confluent_kafka.admin import AdminClient
    from confluent_kafka.cimpl import NewTopic

    admin = AdminClient({"bootstrap.servers": SERVERS})
    new = NewTopic(topic, num_partitions=partitions, replication_factor=1)
    admin.create_topics([new])[topic].result(WAIT)
    return topic


def make_broker(pkg: ModuleType) -> Any:
    return pkg.KafkaBroker(SERVERS, **GROUP_OPTIONS)


async def test_round_trip_with_headers_key_partition_offset(pkg: ModuleType, name: str) -> None:
    broker = make_broker(pkg)
    got: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
    only_two: asyncio.Queue[int] = asyncio.Queue()

    @broker.subscriber(name)
    async def handler(item: Item, msg: Msg, trace: str = Header()) -> None:
        await got.put((item, trace, msg.key, msg.partition, msg.offset, msg.timestamp))

    @broker.subscriber(partitions=[pkg.TopicPartition(name, 2)])
    async def partition_two(item: Item) -> None:
        await only_two.put(item.x)

    async with broker:
        await broker.start()
        assert await broker.ping(5)
        await broker.publish(
            Item(x=1),
            name,
            key="k1",
            partition=2,
            headers={"Trace": "abc"},
            timestamp_ms=1_700_000_000_000,
        )
        await broker.publish(Item(x=2), name, partition=1, headers={"trace": "def"})
        first = await asyncio.wait_for(got.get(), WAIT)
        second = await asyncio.wait_for(got.get(), WAIT)
        assert await asyncio.wait_for(only_two.get(), WAIT) == 1
        assert only_two.empty()

    by_x = {r[0].x: r for r in (first, second)}
    assert by_x[1][1:] == ("abc", b"k1", 2, 0, 1_700_000_000_000)
    assert by_x[2][1:4] == ("def", None, 1)


async def test_pattern_without_group_reads_the_matching_topics(pkg: ModuleType, name: str) -> None:
    broker = make_broker(pkg)
    got: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    @broker.subscriber(pattern=rf"{name}\.")
    async def handler(body: str, msg: Msg) -> None:
        await got.put((msg.topic, body))

    async with broker:
        await broker.publish("before start", f"{name}.a")  # creates the topic
        await broker.publish("before start", f"{name}.b")
        await broker.start()
        await broker.publish("a", f"{name}.a")
        await broker.publish("b", f"{name}.b")
        await broker.publish("no", f"x{name}.a")
        first = await asyncio.wait_for(got.get(), WAIT)
        second = await asyncio.wait_for(got.get(), WAIT)

    assert {first, second} == {(f"{name}.a", "a"), (f"{name}.b", "b")}
    assert got.empty()


async def test_group_commits_only_after_success(pkg: ModuleType, name: str) -> None:
    group = f"g-{name}"
    seen: list[str] = []
    done = asyncio.Event()
    failed_once: set[str] = set()

    def declare(broker: Any, *topics: str, **where: Any) -> None:
        @broker.subscriber(
            *topics,
            group_id=group,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            **where,
        )
        async def handler(body: str) -> None:
            seen.append(body)
            if body == "flaky" and body not in failed_once:
                failed_once.add(body)
                raise RuntimeError("first attempt fails")
            if body in ("c", "d"):
                done.set()

    first = make_broker(pkg)
    declare(first, name)
    async with first:
        await first.start()
        for body in ("a", "flaky", "c"):
            await first.publish(body, name, partition=0)
        await asyncio.wait_for(done.wait(), WAIT)
    # The failing record came again (nack seeks back), and so did what followed it.
    assert seen[:2] == ["a", "flaky"]
    assert seen[2:] in (["flaky", "c"], ["c", "flaky", "c"])

    # Same group again: what was handled is committed, only the new record comes.
    # (Assigning the partition reads the group's commit without a second ~2 s join.)
    seen.clear()
    done.clear()
    second = make_broker(pkg)
    declare(second, partitions=[pkg.TopicPartition(name, 0)])
    async with second:
        await second.start()
        await second.publish("d", name, partition=0)
        await asyncio.wait_for(done.wait(), WAIT)
    assert seen == ["d"]


async def test_pattern_group_rejects_failures_by_committing_past(
    pkg: ModuleType, name: str
) -> None:
    group = f"g-{name}"
    topic = f"{name}.a"
    seen: list[str] = []
    done = asyncio.Event()

    def declare(broker: Any, **where: Any) -> None:
        @broker.subscriber(group_id=group, auto_offset_reset="earliest", **where)
        async def handler(body: str, msg: Msg) -> None:
            assert msg.topic == topic
            seen.append(body)
            if body == "boom":
                raise RuntimeError("handler failed")
            if body in ("ok2", "end"):
                done.set()

    first = make_broker(pkg)
    declare(first, pattern=rf"{name}\..*")
    async with first:
        await first.start()
        for body in ("ok1", "boom", "ok2"):
            await first.publish(body, topic, partition=0)
        await asyncio.wait_for(done.wait(), WAIT)
    assert seen == ["ok1", "boom", "ok2"]  # REJECT_ON_ERROR: not consumed again

    seen.clear()
    done.clear()
    second = make_broker(pkg)
    declare(second, partitions=[pkg.TopicPartition(topic, 0)])
    async with second:
        await second.start()
        await second.publish("end", topic, partition=0)
        await asyncio.wait_for(done.wait(), WAIT)
    assert seen == ["end"]  # the failed record was committed past, too


async def test_batch_consumption_and_publish_batch(pkg: ModuleType, name: str) -> None:
    broker = make_broker(pkg)
    calls: list[list[int]] = []
    total = asyncio.Event()

    @broker.subscriber(name, batch=True, max_records=100, batch_timeout_ms=500)
    async def handler(xs: list[int], msg: Msg) -> None:
        assert msg.batch is not None and [m.offset for m in msg.batch] == sorted(
            m.offset for m in msg.batch
        )
        calls.append(xs)
        if sum(len(c) for c in calls) >= 10:
            total.set()

    async with broker:
        await broker.start()
        await broker.publish_batch(*range(10), topic=name, partition=0)
        await asyncio.wait_for(total.wait(), WAIT)

    assert [x for c in calls for x in c] == list(range(10))
    assert len(calls) < 10  # records arrived together, not one call each


async def test_malformed_json_is_logged_without_payload(
    pkg: ModuleType, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    broker = make_broker(pkg)
    got: asyncio.Queue[int] = asyncio.Queue()

    @broker.subscriber(name)
    async def handler(item: Item) -> None:
        await got.put(item.x)

    with caplog.at_level(logging.ERROR, logger="faststream_fastapi"):
        async with broker:
            await broker.start()
            await broker.publish(
                b'{"x": 1, "secret": "hunter2"',
                name,
                partition=0,
                headers={"content-type": "application/json"},
            )
            await broker.publish(Item(x=7), name, partition=0)
            assert await asyncio.wait_for(got.get(), WAIT) == 7

    assert any("not valid JSON" in r.getMessage() for r in caplog.records)
    assert "hunter2" not in caplog.text


async def test_publish_to_unreachable_cluster_fails_fast(pkg: ModuleType, name: str) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    broker = pkg.KafkaBroker(f"127.0.0.1:{port}", connect_timeout=1.5)
    started = time.monotonic()
    with pytest.raises(BrokerConnectionError, match="cannot reach the Kafka cluster"):
        async with broker:
            await broker.publish("x", name)
    assert time.monotonic() - started < 10


async def test_publish_to_a_missing_partition_is_a_publish_error(
    pkg: ModuleType, name: str
) -> None:
    broker = make_broker(pkg)
    async with broker:
        await broker.publish("x", name)  # the topic exists from here on
        with pytest.raises(PublishError, match=name):
            await asyncio.wait_for(broker.publish("x", name, partition=999), WAIT)


async def test_auto_commit_is_an_opt_in(pkg: ModuleType, name: str) -> None:
    group = f"g-{name}"
    seen: list[str] = []
    done = asyncio.Event()

    def declare(broker: Any, *topics: str, **where: Any) -> None:
        @broker.subscriber(
            *topics, group_id=group, auto_offset_reset="earliest", auto_commit=True, **where
        )
        async def handler(body: str) -> None:
            seen.append(body)
            done.set()

    first = make_broker(pkg)
    declare(first, name)
    async with first:
        await first.start()
        await first.publish("a", name, partition=0)
        await asyncio.wait_for(done.wait(), WAIT)

    # The client committed on close; the group resumes after "a".
    seen.clear()
    done.clear()
    second = make_broker(pkg)
    declare(second, partitions=[pkg.TopicPartition(name, 0)])
    async with second:
        await second.start()
        await second.publish("b", name, partition=0)
        await asyncio.wait_for(done.wait(), WAIT)
    assert seen == ["b"]


async def test_close_lets_the_handler_finish_and_commits_it(pkg: ModuleType, name: str) -> None:
    group = f"g-{name}"
    where = {"partitions": [pkg.TopicPartition(name, 0)], "group_id": group}
    seen: list[str] = []
    started = asyncio.Event()

    first = make_broker(pkg)

    @first.subscriber(auto_offset_reset="earliest", **where)
    async def slow(body: str) -> None:
        started.set()
        await asyncio.sleep(0.5)
        seen.append(body)

    async with first:
        await first.publish("in flight", name, partition=0)
        await first.start()
        await asyncio.wait_for(started.wait(), WAIT)
    assert seen == ["in flight"]  # close waited for it

    done = asyncio.Event()
    second = make_broker(pkg)

    @second.subscriber(auto_offset_reset="earliest", **where)
    async def rest(body: str) -> None:
        seen.append(body)
        done.set()

    async with second:
        await second.publish("next", name, partition=0)
        await second.start()
        await asyncio.wait_for(done.wait(), WAIT)
    assert seen == ["in flight", "next"]  # and committed it on the way out


async def test_ack_first_commits_before_the_handler_runs(pkg: ModuleType, name: str) -> None:
    """At-most-once in a group: each record's offset is committed before its handler."""
    group = f"g-{name}"
    committed: list[int] = []
    seen: list[tuple[str, list[int]]] = []
    done = asyncio.Event()
    broker = make_broker(pkg)

    @broker.subscriber(
        partitions=[pkg.TopicPartition(name, 0)],
        group_id=group,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.ACK_FIRST,
    )
    async def handler(body: str) -> None:
        seen.append((body, list(committed)))
        if body == "c":
            done.set()

    async with broker:
        await broker.start()
        source = broker.subscribers[0].consumption.source
        commit = source.commit

        async def spied(offsets: dict[Any, int], final: bool) -> None:
            committed.extend(offsets.values())
            await commit(offsets, final)

        source.commit = spied
        for body in ("a", "b", "c"):
            await broker.publish(body, name, partition=0)
        await asyncio.wait_for(done.wait(), WAIT)
    # Offsets of the partition start at 0: record n is committed as n + 1.
    assert seen == [("a", [1]), ("b", [1, 2]), ("c", [1, 2, 3])]


async def test_pattern_with_path_parts(pkg: ModuleType, name: str) -> None:
    """``pattern=`` with ``{name}`` parts subscribes by the regex with ``.*`` for each
    part; the handler gets each part of the record's topic as a ``Path()`` value."""
    topic = create_topic(f"{name}.john.7")
    broker = make_broker(pkg)
    got: asyncio.Queue[tuple[str, int, str]] = asyncio.Queue()

    @broker.subscriber(pattern=name + ".{who}.{n}", auto_offset_reset="earliest")
    async def handle(body: str, who: str = Path(), n: int = Path()) -> None:
        await got.put((who, n, body))

    async with broker:
        await broker.start()
        await broker.publish("hi", topic)
        assert await asyncio.wait_for(got.get(), WAIT) == ("john", 7, "hi")

"""``max_workers`` on a real cluster, for both Kafka client packages.

Collected through ``test_kafka_real.py`` (aiokafka) and ``test_confluent_real.py``
(confluent-kafka), each providing the ``pkg`` fixture. Topics get 4 partitions
when first published to. Committed offsets are read with aiokafka whichever
package committed them: the group's offsets live in the cluster.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka import TopicPartition as TP
from kafka_scenarios import SERVERS, WAIT, create_topic, make_broker

import faststream_fastapi
from faststream_fastapi import AckPolicy
from faststream_fastapi.kafka.fastapi import KafkaMessage as Msg

pytestmark = pytest.mark.kafka

PARTITIONS = 4
CRASH_CONSUMER = Path(__file__).with_name("kafka_crash_consumer.py")
#: The package under test, as the crash consumer's process must import it.
PACKAGE_ROOT = Path(faststream_fastapi.__file__).resolve().parents[1]


async def until(check: Any, what: str, timeout: float = WAIT) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def committed(group: str, topic: str) -> dict[int, int | None]:
    """The group's committed offset of each partition of ``topic``."""
    consumer = AIOKafkaConsumer(bootstrap_servers=SERVERS, group_id=group)
    await consumer.start()
    try:
        return {p: await consumer.committed(TP(topic, p)) for p in range(PARTITIONS)}
    finally:
        await consumer.stop()


def all_partitions(pkg: ModuleType, topic: str) -> list[Any]:
    return [pkg.TopicPartition(topic, p) for p in range(PARTITIONS)]


class Gauge:
    """How many handlers run at once, overall and per partition."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self.per_partition: Counter[int] = Counter()
        self.partition_peak = 0

    def enter(self, partition: int) -> None:
        self.now += 1
        self.peak = max(self.peak, self.now)
        self.per_partition[partition] += 1
        self.partition_peak = max(self.partition_peak, self.per_partition[partition])

    def leave(self, partition: int) -> None:
        self.now -= 1
        self.per_partition[partition] -= 1


async def test_max_workers_handlers_run_at_once_across_partitions(
    pkg: ModuleType, name: str
) -> None:
    """N handlers at once, one per partition; never two of one partition."""
    broker = make_broker(pkg)
    gauge = Gauge()
    all_in = asyncio.Event()
    seen: list[str] = []

    @broker.subscriber(name, max_workers=PARTITIONS)
    async def handler(body: str, msg: Msg) -> None:
        gauge.enter(msg.partition)
        try:
            if gauge.now == PARTITIONS:
                all_in.set()
            await asyncio.wait_for(all_in.wait(), WAIT)
            seen.append(body)
        finally:
            gauge.leave(msg.partition)

    async with broker:
        await broker.publish("create", name)  # the topic exists from here on
        await broker.start()
        for n in range(2):
            for p in range(PARTITIONS):
                await broker.publish(f"{p}-{n}", name, partition=p)
        await until(lambda: len(seen) == 2 * PARTITIONS, "every record")

    assert gauge.peak == PARTITIONS
    assert gauge.partition_peak == 1


async def test_max_workers_keeps_each_partition_in_order(pkg: ModuleType, name: str) -> None:
    """Handlers of different speed per partition: each partition's records in offset order."""
    broker = make_broker(pkg)
    gauge = Gauge()
    handled: dict[int, list[int]] = {p: [] for p in range(PARTITIONS)}
    per_partition = 15

    @broker.subscriber(name, max_workers=3, max_records=7)
    async def handler(n: int, msg: Msg) -> None:
        gauge.enter(msg.partition)
        await asyncio.sleep(0.002 * (msg.partition + 1) * (n % 3))
        handled[msg.partition].append(n)
        gauge.leave(msg.partition)

    async with broker:
        await broker.publish(-1, name, partition=0)  # the topic exists from here on
        await broker.start()
        # Published ahead, so that the lanes fill and the fetch waits.
        await broker.publish_batch(*range(per_partition), topic=name, partition=0)
        for p in range(1, PARTITIONS):
            await broker.publish_batch(*range(per_partition), topic=name, partition=p)
        total = PARTITIONS * per_partition
        await until(lambda: sum(map(len, handled.values())) == total, "every record")

    assert all(handled[p] == list(range(per_partition)) for p in range(PARTITIONS))
    assert gauge.partition_peak == 1
    assert 1 < gauge.peak <= 3


async def test_graceful_stop_lets_n_in_flight_finish_and_commits_them(
    pkg: ModuleType, name: str
) -> None:
    """Stop with a handler in hand per partition: each finishes and is committed; the
    records behind them were not started and go to the group's next consumer."""
    group = f"g-{name}"
    where = {"partitions": all_partitions(pkg, name), "group_id": group}
    first = make_broker(pkg)
    started: list[str] = []
    finished: list[str] = []

    @first.subscriber(auto_offset_reset="earliest", max_workers=PARTITIONS, **where)
    async def slow(body: str) -> None:
        started.append(body)
        await asyncio.sleep(0.5)
        finished.append(body)

    async with first:
        for p in range(PARTITIONS):
            await first.publish(f"{p}-first", name, partition=p)
            await first.publish(f"{p}-second", name, partition=p)
        await first.start()
        await until(lambda: len(started) == PARTITIONS, "a handler per partition")
    firsts = sorted(f"{p}-first" for p in range(PARTITIONS))
    assert sorted(finished) == sorted(started) == firsts  # stop waited for all of them
    assert await committed(group, name) == dict.fromkeys(range(PARTITIONS), 1)

    rest: list[str] = []
    second = make_broker(pkg)

    @second.subscriber(auto_offset_reset="earliest", max_workers=PARTITIONS, **where)
    async def fast(body: str) -> None:
        rest.append(body)

    async with second:
        await second.start()
        await until(lambda: len(rest) == PARTITIONS, "the records not started")
        await asyncio.sleep(0.3)
    assert sorted(rest) == sorted(f"{p}-second" for p in range(PARTITIONS))


@pytest.mark.parametrize(
    "policy", ["REJECT_ON_ERROR", "NACK_ON_ERROR", "ACK", "MANUAL", "ACK_FIRST", "auto_commit"]
)
async def test_a_crash_never_skips_a_record_finished_out_of_order(
    pkg: ModuleType, name: str, policy: str
) -> None:
    """A consumer process is killed while partition 0's first record is in hand and
    partition 1's later records were all handled (and committed): a new consumer of
    the group gets every unsettled record of partition 0 again, and none of partition 1.
    (``ACK_FIRST`` settled ``a0`` before its handler ran: it is not seen again.)
    ``auto_commit`` is replaced by commits of the settled watermark above one worker."""
    group = f"g-{name}"
    producer = make_broker(pkg)
    async with producer:
        for body in ("a0", "a1", "a2"):
            await producer.publish(body, name, partition=0)
        for body in ("b0", "b1", "b2"):
            await producer.publish(body, name, partition=1)

    path = os.pathsep.join([str(PACKAGE_ROOT), str(CRASH_CONSUMER.parent)])
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(CRASH_CONSUMER),
        pkg.__name__,
        name,
        group,
        policy,
        env={**os.environ, "PYTHONPATH": path},
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        lines: list[str] = []
        assert proc.stdout is not None
        while "b2" not in lines or "a0" not in lines:
            line = await asyncio.wait_for(proc.stdout.readline(), WAIT * 2)
            assert line, f"the consumer ended early: {lines}"
            lines.append(line.decode().strip())
        # Partition 1 went ahead of partition 0: its offsets are committed.
        await until_committed(group, name, 1, 3)
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    assert "a1" not in lines
    unsettled = ["a1", "a2"] if policy == "ACK_FIRST" else ["a0", "a1", "a2"]
    # Nothing committed past the first unsettled record of partition 0.
    assert (await committed(group, name))[0] == (1 if policy == "ACK_FIRST" else None)

    seen: list[str] = []
    after = make_broker(pkg)

    @after.subscriber(
        partitions=[pkg.TopicPartition(name, 0), pkg.TopicPartition(name, 1)],
        group_id=group,
        auto_offset_reset="earliest",
        max_workers=2,
    )
    async def again(body: str) -> None:
        seen.append(body)

    async with after:
        await after.start()
        await until(lambda: len(seen) == len(unsettled), "partition 0's records")
        await asyncio.sleep(0.5)
    assert seen == unsettled


async def until_committed(group: str, topic: str, partition: int, offset: int) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while (await committed(group, topic))[partition] != offset:
        assert loop.time() < deadline, "the offset was not committed"
        await asyncio.sleep(0.2)


#: Retried copies per scenario run: a flaky record once, a poison one twice, per partition.
RETRIED = 3 * PARTITIONS


def nacks(attempts: Counter[str]) -> int:
    return sum(v for k, v in attempts.items() if k.startswith("nack:"))


async def run_scenario(pkg: ModuleType, topic: str, max_workers: int) -> dict[str, Any]:
    """Successes, a failure retried once, a poison record, a nack: what came of them."""
    group = f"g-{topic}"
    create_topic(topic, PARTITIONS)
    broker = make_broker(pkg)
    dead = broker.publisher(f"{topic}-dead")
    handled: list[str] = []
    attempts: Counter[str] = Counter()
    dead_letters: list[tuple[str, str | None]] = []

    @broker.subscriber(
        partitions=all_partitions(pkg, topic),
        group_id=group,
        auto_offset_reset="earliest",
        max_retries=2,
        dead_letter=dead,
        max_workers=max_workers,
    )
    async def handler(body: str) -> None:
        attempts[body] += 1
        if body.startswith("poison"):
            raise RuntimeError("always")
        if body.startswith("flaky") and attempts[body] == 1:
            raise RuntimeError("once")
        handled.append(body)

    @broker.subscriber(
        partitions=all_partitions(pkg, topic),
        group_id=f"{group}-manual",
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        max_workers=max_workers,
    )
    async def nacking(body: str, msg: Msg) -> None:
        attempts[f"nack:{body}"] += 1
        if body.startswith("flaky") and attempts[f"nack:{body}"] == 1:
            raise RuntimeError("sought back once")

    @broker.subscriber(f"{topic}-dead", auto_offset_reset="earliest")
    async def inspect(body: str, msg: Msg) -> None:
        if "x-retries" in msg.headers:
            dead_letters.append((body, msg.headers.get("x-retries")))

    bodies = [f"{kind}-{p}" for p in range(PARTITIONS) for kind in ("ok", "flaky", "poison", "end")]
    async with broker:
        await broker.publish("create", f"{topic}-dead")
        await broker.start()
        for p in range(PARTITIONS):
            for kind in ("ok", "flaky", "poison", "end"):
                await broker.publish(f"{kind}-{p}", topic, key=f"k{p}", partition=p)
        expected = len([b for b in bodies if not b.startswith("poison")])
        await until(lambda: len(handled) == expected, "the handled records")
        await until(lambda: len(dead_letters) == PARTITIONS, "the dead letters")
        # Every record, retried copies included, and each flaky one twice.
        records = len(bodies) + RETRIED
        await until(lambda: nacks(attempts) == records + PARTITIONS, "the nacking subscriber")
        await asyncio.sleep(0.5)  # a commit round
        sub = broker.subscribers[0]
        counts = (sub.retried, sub.dead_lettered)
    return {
        "handled": sorted(handled),
        "attempts": dict(sorted(attempts.items())),
        "dead_letters": sorted(dead_letters),
        "retried, dead_lettered": counts,
        "committed": await committed(group, topic),
        "nacking committed": await committed(f"{group}-manual", topic),
    }


async def test_max_workers_1_and_8_come_to_the_same_outcome(pkg: ModuleType, name: str) -> None:
    one = await run_scenario(pkg, f"{name}-1", 1)
    eight = await run_scenario(pkg, f"{name}-8", 8)
    assert one == eight
    # Each record settled, retried copies included (on their key's partition): all committed.
    records = 4 * PARTITIONS + RETRIED
    assert sum(eight["committed"].values()) == records
    assert eight["nacking committed"] == eight["committed"]
    assert eight["retried, dead_lettered"] == (RETRIED, PARTITIONS)
    assert eight["dead_letters"] == [(f"poison-{p}", "2") for p in range(PARTITIONS)]


async def test_a_rebalance_lets_handlers_in_hand_finish_and_commits_them(
    pkg: ModuleType, name: str
) -> None:
    """A second member joins while the first has N records in hand: those finish and
    are committed before their partitions move, so no record is lost or handled twice."""
    group = f"g-{name}"
    per_partition = 16
    handled: dict[str, list[tuple[int, str]]] = {"first": [], "second": []}

    def member(label: str) -> Any:
        broker = make_broker(pkg)

        @broker.subscriber(
            name, group_id=group, auto_offset_reset="earliest", max_workers=PARTITIONS
        )
        async def handler(body: str, msg: Msg) -> None:
            await asyncio.sleep(0.25)
            handled[label].append((msg.partition, body))

        return broker

    first, second = member("first"), member("second")
    async with first:
        for p in range(PARTITIONS):
            await first.publish_batch(
                *(f"{p}-{n:02}" for n in range(per_partition)), topic=name, partition=p
            )
        await first.start()
        await until(lambda: len(handled["first"]) >= PARTITIONS, "the first member's start")
        async with second:
            await second.start()
            total = PARTITIONS * per_partition
            await until(
                lambda: len(handled["first"]) + len(handled["second"]) >= total,
                "every record",
                timeout=WAIT * 2,
            )
            await asyncio.sleep(0.5)
    assert handled["second"], "the second member got no partition"
    bodies = [body for records in handled.values() for _, body in records]
    assert sorted(bodies) == sorted(
        f"{p}-{n:02}" for p in range(PARTITIONS) for n in range(per_partition)
    )
    for records in handled.values():
        for p in range(PARTITIONS):
            mine = [body for partition, body in records if partition == p]
            assert mine == sorted(mine)
    assert await committed(group, name) == dict.fromkeys(range(PARTITIONS), per_partition)


async def test_max_workers_counts_batches_one_partition_each(pkg: ModuleType, name: str) -> None:
    """A batch subscriber: N batches at once, each of one partition, in offset order."""
    group = f"g-{name}"
    broker = make_broker(pkg)
    gauge = Gauge()
    batches: list[tuple[int, list[int]]] = []
    all_in = asyncio.Event()

    @broker.subscriber(
        partitions=all_partitions(pkg, name),
        group_id=group,
        auto_offset_reset="earliest",
        batch=True,
        max_records=20,
        max_workers=2,
    )
    async def handler(body: list[int], msg: Msg) -> None:
        gauge.enter(msg.partition)
        if gauge.now == 2:
            all_in.set()
        await asyncio.wait_for(all_in.wait(), WAIT)
        await asyncio.sleep(0.05)
        batches.append((msg.partition, body))
        gauge.leave(msg.partition)

    async with broker:
        for p in range(PARTITIONS):
            await broker.publish_batch(*range(10), topic=name, partition=p)
        await broker.start()
        await until(lambda: sum(len(b) for _, b in batches) == 10 * PARTITIONS, "every record")
        await asyncio.sleep(0.3)
    assert gauge.peak == 2
    assert gauge.partition_peak == 1
    for p in range(PARTITIONS):
        assert [n for partition, body in batches if partition == p for n in body] == list(range(10))
    assert await committed(group, name) == dict.fromkeys(range(PARTITIONS), 10)


async def test_past_the_graceful_timeout_handlers_are_cancelled_and_not_committed(
    pkg: ModuleType, name: str
) -> None:
    """Handlers that outlive ``graceful_timeout`` are cancelled; their records stay
    uncommitted, so the group's next consumer gets them, with those not started."""
    group = f"g-{name}"
    where = {"partitions": all_partitions(pkg, name), "group_id": group}
    first = pkg.KafkaBroker(SERVERS, graceful_timeout=0.5)
    started: list[str] = []

    @first.subscriber(auto_offset_reset="earliest", max_workers=2, **where)
    async def stuck(body: str) -> None:
        started.append(body)
        await asyncio.Event().wait()

    async with first:
        for p in range(2):
            await first.publish(f"{p}-a", name, partition=p)
            await first.publish(f"{p}-b", name, partition=p)
        await first.start()
        await until(lambda: len(started) == 2, "two handlers in hand")
    assert sorted(started) == ["0-a", "1-a"]

    rest: list[str] = []
    second = make_broker(pkg)

    @second.subscriber(auto_offset_reset="earliest", max_workers=2, **where)
    async def fast(body: str) -> None:
        rest.append(body)

    async with second:
        await second.start()
        await until(lambda: len(rest) == 4, "every record again")
    assert sorted(rest) == ["0-a", "0-b", "1-a", "1-b"]


@pytest.mark.parametrize("workers", [2, PARTITIONS])
async def test_a_backlog_held_in_the_lanes_stays_bounded(
    pkg: ModuleType, name: str, workers: int
) -> None:
    """Handlers blocked with a backlog behind them: N in hand, and the lanes hold less
    than three and a half times ``max_records`` (docs/delivery.md), whatever N is
    (confluent-kafka: plus at most three times ``max_records`` kept past their caps)."""
    broker = make_broker(pkg)
    max_records = 40
    release = asyncio.Event()
    gauge = Gauge()

    @broker.subscriber(
        partitions=all_partitions(pkg, name),
        auto_offset_reset="earliest",
        max_records=max_records,
        max_workers=workers,
    )
    async def blocked(body: int, msg: Msg) -> None:
        gauge.enter(msg.partition)
        await release.wait()
        gauge.leave(msg.partition)

    async with broker:
        for p in range(PARTITIONS):
            await broker.publish_batch(*range(500), topic=name, partition=p)
        await broker.start()
        await until(lambda: gauge.now == workers, "N handlers in hand")
        await asyncio.sleep(1.0)  # the fetch loop has all the time it wants
        consumption = broker.subscribers[0].consumption
        held = consumption._held()
        assert gauge.now == workers
        assert 0 < held < 3.5 * max_records
        # confluent-kafka's source keeps what it read past the lanes' caps: as many
        # again at most, within one consume step.
        assert getattr(getattr(consumption.source, "kept", None), "count", 0) < 3 * max_records + 16
        release.set()

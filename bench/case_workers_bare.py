"""``max_workers`` at N = 64 on Kafka, next to the bare client doing the same by hand.

The ceiling the broker and the client library leave: the records of
``case_workers`` (64 partitions, 78 or 79 records each), read by the bare client
with one asyncio task per partition (records of a partition in order, as our
lanes keep them), each validating the model, calling the dependency and awaiting
``asyncio.sleep(0.005)``. Nothing is committed, nothing bounds what waits: the
bare loop does less than ours. Messages/s from the first handled to the last, as
in ``case_workers``; each row in a process of its own, on asyncio's loop and,
where it is installed, on uvloop.

``python bench/case_workers_bare.py [--only kafka confluent]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from case_workers import SLEEP, _make
from common import LOOPS, Counter, Item, async_dep, in_child, loops

from faststream_fastapi.cli.loop import run_on

SERVERS = "127.0.0.1:9092"
COUNT = 5000


def _handling(counter: Counter) -> Callable[[Any], Awaitable[None]]:
    async def handle(value: bytes) -> None:
        Item.model_validate_json(value)
        await async_dep()
        await asyncio.sleep(SLEEP)
        counter.hit()

    return handle


class _Lanes:
    """One task per partition, each handling its records in order."""

    def __init__(self, handle: Callable[[Any], Awaitable[None]]) -> None:
        self.handle = handle
        self.queues: dict[int, asyncio.Queue[bytes]] = {}
        self.tasks: list[asyncio.Task[None]] = []

    def put(self, partition: int, value: bytes) -> None:
        queue = self.queues.get(partition)
        if queue is None:
            queue = self.queues[partition] = asyncio.Queue()
            self.tasks.append(asyncio.get_running_loop().create_task(self._drain(queue)))
        queue.put_nowait(value)

    async def _drain(self, queue: asyncio.Queue[bytes]) -> None:
        while True:
            await self.handle(await queue.get())

    def close(self) -> None:
        for task in self.tasks:
            task.cancel()


async def _aiokafka(topic: str, lanes: _Lanes, counter: Counter) -> None:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=SERVERS,
        group_id=f"bare-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        while not counter.done.is_set():
            fetched = await consumer.getmany(timeout_ms=100, max_records=500)
            for tp, records in fetched.items():
                for record in records:
                    lanes.put(tp.partition, record.value)
    finally:
        await consumer.stop()


async def _confluent(topic: str, lanes: _Lanes, counter: Counter) -> None:
    from confluent_kafka import Consumer

    consumer = Consumer(
        {
            "bootstrap.servers": SERVERS,
            "group.id": f"bare-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "fetch.wait.max.ms": 10,
        }
    )
    consumer.subscribe([topic])
    loop = asyncio.get_running_loop()
    stop = threading.Event()

    def hand_over(records: list[Any]) -> None:
        for record in records:
            if record.error() is None:
                lanes.put(record.partition(), record.value())

    def poll() -> None:  # a thread of its own, as librdkafka's calls block
        while not stop.is_set():
            records = consumer.consume(500, 0.1)
            if records:
                loop.call_soon_threadsafe(hand_over, records)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        await counter.done.wait()
    finally:
        stop.set()
        await asyncio.to_thread(thread.join)
        await asyncio.to_thread(consumer.close)


async def row(client: str) -> dict[str, Any]:
    target = _make(client, uuid.uuid4().hex[:10])
    async with target.router.broker as broker:
        for i in range(COUNT):
            await target.publish(broker, i)
    counter = Counter(COUNT)
    lanes = _Lanes(_handling(counter))
    read = _aiokafka if client == "kafka" else _confluent
    try:
        await asyncio.wait_for(read(target.args[0], lanes, counter), 120)
    finally:
        lanes.close()
        await target.cleanup()
    return {"rate": (counter.count - 1) / (counter.last - counter.first)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", default=["kafka", "confluent"])
    parser.add_argument("--row", help=argparse.SUPPRESS)
    parser.add_argument("--loop", choices=LOOPS, default="asyncio", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.row:
        print(json.dumps(run_on(args.loop, row(args.row))))
        return
    print("\nmax_workers = 64 on Kafka: the bare client, a task per partition, same handler\n")
    print("| client | loop | messages | bare msg/s |")
    print("|---|---|---|---|")
    for client in args.only:
        for loop in loops():
            got = in_child(__file__, ["--row", client, "--loop", loop], 300)
            rate = f"{got['rate']:,.0f}" if "rate" in got else "n/a"
            if "error" in got:
                print(got["error"], file=sys.stderr)
            name = "kafka (aiokafka)" if client == "kafka" else client
            print(f"| {name} | {loop} | {COUNT:,} | {rate} |", flush=True)


if __name__ == "__main__":
    main()

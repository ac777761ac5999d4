"""``max_workers``: a handler that waits 5 ms, per broker, at N = 1, 8 and 64.

The handler is the other cases' FastAPI-router handler (pydantic model, async
``Depends``, ``Logger``) plus ``await asyncio.sleep(0.005)``, standing for a
database or HTTP call. Each row consumes pre-filled messages (5,000; 1,000 at
N = 1, which takes 5 s alone) in a process of its own, so that its peak RSS is
its own, and reports messages/s from the first handled to the last, the
process's CPU per message meanwhile (what a loaded machine moves least), the
messages lost and handled twice, and the peak RSS. A first row per broker
consumes without the sleep: the rate the sleep-free loop reaches, the other
bound of the target (at N = 64, 80% of min(N / 5 ms, that rate)). Kafka topics
get 64 partitions and keyed records, spread evenly over the partitions: lanes
are per partition, so a run lasts as long as its fullest partition, and these
keys hashed would put 99 of the 5,000 records in one partition (aiokafka's
murmur2), capping the row at 5,000 / (99 * 5 ms) = 10,101 msg/s, under the
target. A row the broker refuses (a transport without ``max_workers``) prints
n/a.

Each N = 64 row is the median of three runs (``--repeat``): a run lasts under a
second, so one slow scheduling round moves it by a tenth. Rows run on asyncio's
own loop; where uvloop is installed, N = 64 runs on it too (``64, uvloop``): the
loop ``faststream-fastapi run`` and uvicorn take when it is there.

``python bench/case_workers.py [--only redis nats ...] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from common import LOOPS, Counter, Dep, Item, in_child, loops, timed

from faststream_fastapi import Logger
from faststream_fastapi.cli.loop import run_on

CASES = ["redis", "nats", "rabbit", "kafka", "confluent"]
SLEEP = 0.005
ROW_TIMEOUT = 60.0
KAFKA_PARTITIONS = 64


async def _nothing() -> None:
    return None


@dataclass
class Target:
    """What one row subscribes to: ``router.subscriber(*args, **options)``,
    ``publish(broker, i)`` fills it, ``cleanup()`` deletes it."""

    router: Any
    args: list[Any]
    options: dict[str, Any]
    publish: Callable[[Any, int], Awaitable[Any]]
    cleanup: Callable[[], Awaitable[None]] = _nothing


def _redis(tag: str) -> Target:
    from faststream_fastapi.redis import ListSub
    from faststream_fastapi.redis.fastapi import RedisRouter

    key = f"bench-workers-{tag}"
    return Target(
        RedisRouter("redis://127.0.0.1:6379"),
        [],
        {"list": ListSub(key, max_records=100)},
        lambda b, i: b.publish(Item(name=str(i), qty=3), list=key),
    )


def _nats(tag: str) -> Target:
    from faststream_fastapi.nats import JStream
    from faststream_fastapi.nats.fastapi import NatsRouter

    subject, stream = f"bench.workers.{tag}", JStream(f"bench_workers_{tag}")
    router = NatsRouter("nats://127.0.0.1:4222")

    async def cleanup() -> None:
        import nats

        nc = await nats.connect("nats://127.0.0.1:4222")
        await nc.jetstream().delete_stream(stream.name)
        await nc.close()

    return Target(
        router,
        [subject],
        {"stream": stream, "durable": "w"},
        lambda b, i: b.publish(Item(name=str(i), qty=3), subject, stream=stream),
        cleanup,
    )


def _rabbit(tag: str) -> Target:
    import aio_pika

    from faststream_fastapi.rabbit import RabbitQueue
    from faststream_fastapi.rabbit.fastapi import RabbitRouter

    url, name = "amqp://guest:guest@127.0.0.1:5672/", f"bench-workers-{tag}"

    async def cleanup() -> None:
        connection = await aio_pika.connect(url)
        async with connection:
            await (await connection.channel()).queue_delete(name)

    router = RabbitRouter(url)
    declared: list[bool] = []

    async def publish(broker: Any, i: int) -> None:
        if not declared:  # the queue exists before the subscriber starts
            connection = await aio_pika.connect(url)
            async with connection:
                await (await connection.channel()).declare_queue(name)
            declared.append(True)
        await broker.publish(Item(name=str(i), qty=3), name)

    return Target(router, [RabbitQueue(name)], {}, publish, cleanup)


def _kafka(tag: str, confluent: bool) -> Target:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    if confluent:
        from faststream_fastapi.confluent.fastapi import KafkaRouter
    else:
        from faststream_fastapi.kafka.fastapi import KafkaRouter  # type: ignore[assignment]
    servers, topic = "127.0.0.1:9092", f"bench-workers-{tag}"
    created: list[bool] = []

    async def admin(action: Callable[[AIOKafkaAdminClient], Awaitable[Any]]) -> None:
        client = AIOKafkaAdminClient(bootstrap_servers=servers)
        await client.start()
        try:
            await action(client)
        finally:
            await client.close()

    async def publish(broker: Any, i: int) -> None:
        if not created:
            await admin(lambda a: a.create_topics([NewTopic(topic, KAFKA_PARTITIONS, 1)]))
            created.append(True)
        await broker.publish(
            Item(name=str(i), qty=3), topic, key=str(i).encode(), partition=i % KAFKA_PARTITIONS
        )

    async def cleanup() -> None:
        await admin(lambda a: a.delete_topics([topic]))

    options = {"auto_offset_reset": "earliest", "group_id": f"g-{tag}"}
    return Target(KafkaRouter(servers), [topic], options, publish, cleanup)


def _make(broker: str, tag: str) -> Target:
    if broker in ("kafka", "confluent"):
        return _kafka(tag, broker == "confluent")
    return {"redis": _redis, "nats": _nats, "rabbit": _rabbit}[broker](tag)


async def row(broker: str, workers: int, count: int, sleep: float) -> dict[str, Any]:
    """One row, in this process: consume ``count`` pre-filled messages."""
    target = _make(broker, uuid.uuid4().hex[:10])
    counter = Counter(count)
    seen: list[int] = []

    async def handler(item: Item, logger: Logger, d: Dep) -> None:
        if sleep:
            await asyncio.sleep(sleep)
        seen.append(int(item.name))
        counter.hit()

    result: dict[str, Any] = {}
    try:
        # At 1 the keyword is left out: a broker that does not know it still has rows.
        extra = {"max_workers": workers} if workers > 1 else {}
        target.router.subscriber(*target.args, **extra, **target.options)(handler)
        async with target.router.broker as b:
            for i in range(count):
                await target.publish(b, i)
            cpu = time.process_time()
            try:
                result["rate"] = await timed(b.start, counter, ROW_TIMEOUT)
            except TimeoutError:
                result["rate"] = None
            result["cpu_us"] = (time.process_time() - cpu) / count * 1e6
            await asyncio.sleep(0.5)  # anything handled twice shows up meanwhile
    except Exception as exc:  # a broker refusing max_workers: n/a
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        with contextlib.suppress(Exception):
            await target.cleanup()
    if "error" not in result:
        result["lost"] = count - len(set(seen))
        result["duplicates"] = len(seen) - len(set(seen))
    result["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _in_child(
    broker: str, workers: int, count: int, sleep: float, loop: str = "asyncio"
) -> dict[str, Any]:
    row_args = ["--row", broker, str(workers), str(count), str(sleep), "--loop", loop]
    return in_child(__file__, row_args, ROW_TIMEOUT + 60)


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median rate, with the worst losses, duplicates and RSS of all
    (a run under a second moves with one slow scheduling round)."""
    done = sorted((r for r in runs if r.get("rate")), key=lambda r: r["rate"])
    if not done:
        return runs[0]
    got = dict(done[len(done) // 2])
    for key in ("lost", "duplicates", "rss_mib"):
        got[key] = max(r.get(key) or 0 for r in runs)
    if len(runs) > 1:
        got["runs"] = [r.get("rate") for r in runs]
    return got


def _fmt(value: Any, spec: str = ",.0f") -> str:
    return "n/a" if value is None else format(value, spec)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", default=CASES)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each N = 64 row (the median is printed)"
    )
    parser.add_argument("--row", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--loop", choices=LOOPS, default="asyncio", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.row:
        broker, workers, count, sleep = args.row
        got = run_on(args.loop, row(broker, int(workers), int(count), float(sleep)))
        print(json.dumps(got))
        return
    header = (
        "broker",
        "N",
        "messages",
        "msg/s",
        "target msg/s",
        "CPU us/msg",
        "lost",
        "duplicates",
        "peak RSS MiB",
    )
    print("\nmax_workers: a FastAPI handler awaiting asyncio.sleep(0.005), pre-filled messages\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for broker in args.only:
        free = _in_child(broker, 1, 5000, 0.0)
        rows = [("no sleep, 1", 5000, free, None)]
        for workers, loop in [(1, "asyncio"), (8, "asyncio")] + [(64, name) for name in loops()]:
            count = min(5000, 1000 * workers)
            runs = args.repeat if workers == 64 else 1
            got = _median([_in_child(broker, workers, count, SLEEP, loop) for _ in range(runs)])
            bound = workers / SLEEP
            if free.get("rate"):
                bound = min(bound, free["rate"])
            label = str(workers) if loop == "asyncio" else f"{workers}, {loop}"
            rows.append((label, count, got, 0.8 * bound))
        for label, count, got, target in rows:
            failed = "error" in got
            cells = (
                broker,
                label,
                f"{count:,}",
                _fmt(None if failed else got.get("rate")),
                _fmt(target),
                _fmt(None if failed else got.get("cpu_us"), ".0f"),
                _fmt(got.get("lost"), "d"),
                _fmt(got.get("duplicates"), "d"),
                _fmt(got.get("rss_mib")),
            )
            print("| " + " | ".join(cells) + " |", flush=True)
            if "runs" in got:
                print(f"|   | (N = 64 runs: {', '.join(_fmt(r) for r in got['runs'])} msg/s) |")
            if failed:
                print(f"|   | ({got['error']}) |", file=sys.stderr)


if __name__ == "__main__":
    main()

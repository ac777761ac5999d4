"""Memory of a slow subscriber under a backlog, per broker: bounded, whatever the backlog.

    python bench/case_backlog.py [-n 50000] [--size 1024] [--hold 3] [--only redis-list ...]

For each case this process fills a destination with ``n`` messages of ``size``
bytes (RabbitMQ: at most 10,000), then runs a fresh Python that only subscribes,
so each row's RSS is that subscriber's alone. There the handler blocks; for
``--hold`` seconds, while the backlog waits, the child samples its RSS
(``/proc/self/status`` VmRSS) and reads from the broker how many messages it
holds (fetched or delivered, not settled) where the broker tells; then it
releases the handler and drains the backlog. "peak RSS" is ``getrusage``'s
maximum over the child's life, drain included.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import resource
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aio_pika
from aiokafka.admin import AIOKafkaAdminClient
from redis.asyncio import Redis

from faststream_fastapi.confluent import KafkaBroker as ConfluentBroker
from faststream_fastapi.kafka import KafkaBroker
from faststream_fastapi.nats import NatsBroker, PullSub
from faststream_fastapi.rabbit import RabbitBroker, RabbitQueue
from faststream_fastapi.rabbit.transport import DEFAULT_PREFETCH
from faststream_fastapi.redis import ListSub, RedisBroker, StreamSub

REDIS = "redis://127.0.0.1:6379"
NATS = "nats://127.0.0.1:4222"
RABBIT = "amqp://guest:guest@127.0.0.1:5672/"
KAFKA = "127.0.0.1:9092"
RABBIT_MAX = 10_000  # RabbitMQ consumes ~10k msg/s here: keep its row short
WINDOW = 200  # concurrent publishes while filling
MIB = 1024 * 1024


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Gate:
    """The slow handler's body: blocks until released; counts calls in flight and done."""

    def __init__(self) -> None:
        self.released = asyncio.Event()
        self.in_flight = self.max_in_flight = self.handled = 0

    async def through(self) -> None:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await self.released.wait()
        finally:
            self.in_flight -= 1
            self.handled += 1


async def until(check: Callable[[], bool], timeout: float) -> None:
    """Poll ``check`` every 20 ms, for at most ``timeout`` seconds."""
    for _ in range(int(timeout / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)


async def windowed(n: int, publish: Callable[[], Awaitable[Any]], window: int = WINDOW) -> None:
    for start in range(0, n, window):
        await asyncio.gather(*(publish() for _ in range(min(window, n - start))))


# --- the cases: fill (here), subscribe and count what is held (in the child), clean up ---

#: A broker with the blocking subscriber, and what reads from the broker how many it holds.
Subscribed = tuple[Any, Callable[[], Awaitable[int | None]]]
#: (destination name, gate, backlog size) -> Subscribed
Subscribe = Callable[[str, Gate, int], Subscribed]


@dataclass
class Case:
    label: str
    limit: str
    #: Handler calls that run at once: the child waits for this many before sampling.
    concurrency: int
    fill: Callable[[str, int, bytes], Awaitable[None]]
    subscribe: Subscribe
    cleanup: Callable[[str], Awaitable[None]]
    max_n: int | None = None


async def _redis_list_fill(name: str, n: int, body: bytes) -> None:
    client = Redis.from_url(REDIS)
    for start in range(0, n, 1000):
        await client.rpush(name, *[body] * min(1000, n - start))
    await client.aclose()


def _redis_list(name: str, gate: Gate, n: int) -> Subscribed:
    broker = RedisBroker(REDIS)
    broker.subscriber(list=ListSub(name))(_handler(gate))
    admin = Redis.from_url(REDIS)

    async def held() -> int:
        # Popped from the list, not handled yet.
        return n - int(await admin.llen(name)) - gate.handled

    return broker, held


async def _redis_stream_fill(name: str, n: int, body: bytes) -> None:
    async with RedisBroker(REDIS) as broker:
        # A window within the client's connection pool.
        await windowed(n, lambda: broker.publish(body, stream=name), window=8)


def _redis_stream(name: str, gate: Gate, n: int) -> Subscribed:
    broker = RedisBroker(REDIS)
    broker.subscriber(stream=StreamSub(name, group="bench", last_id="0"))(_handler(gate))
    admin = Redis.from_url(REDIS)

    async def held() -> int:
        return int((await admin.xpending(name, "bench"))["pending"])

    return broker, held


async def _redis_delete(name: str) -> None:
    client = Redis.from_url(REDIS)
    await client.delete(name)
    await client.aclose()


async def _nats_fill(name: str, n: int, body: bytes) -> None:
    async with NatsBroker(NATS) as broker:
        await windowed(n, lambda: broker.publish(body, name, stream=name))


def _nats(pull: bool) -> Subscribe:
    def subscribe(name: str, gate: Gate, n: int) -> Subscribed:
        broker = NatsBroker(NATS)
        options: dict[str, Any] = {"pull_sub": PullSub(batch_size=100)} if pull else {}
        broker.subscriber(name, stream=name, durable="bench", **options)(_handler(gate))

        async def held() -> int:
            js = broker.transport._jetstream()  # type: ignore[attr-defined]
            return int((await js.consumer_info(name, "bench")).num_ack_pending)

        return broker, held

    return subscribe


async def _nats_delete(name: str) -> None:
    async with NatsBroker(NATS) as admin:
        await admin.transport._jetstream().delete_stream(name)  # type: ignore[attr-defined]


async def _rabbit_fill(name: str, n: int, body: bytes) -> None:
    connection = await aio_pika.connect(RABBIT)
    channel = await connection.channel(publisher_confirms=False)
    await channel.declare_queue(name, auto_delete=True)
    for _ in range(n):
        await channel.default_exchange.publish(aio_pika.Message(body), name)
    await channel.declare_queue(name, passive=True)  # a round trip: all of them are in
    await connection.close()


def _rabbit(name: str, gate: Gate, n: int) -> Subscribed:
    broker = RabbitBroker(RABBIT)
    broker.subscriber(RabbitQueue(name, auto_delete=True))(_handler(gate))

    async def held() -> int:
        connection = await aio_pika.connect(RABBIT)
        channel = await connection.channel()
        queue = await channel.declare_queue(name, passive=True)
        ready = queue.declaration_result.message_count or 0
        await connection.close()
        return n - ready - gate.handled  # delivered, not acknowledged

    return broker, held


async def _rabbit_delete(name: str) -> None:
    connection = await aio_pika.connect(RABBIT)
    channel = await connection.channel()
    await channel.queue_delete(name)
    await connection.close()


async def _kafka_fill(name: str, n: int, body: bytes) -> None:
    async with KafkaBroker(KAFKA) as broker:
        for start in range(0, n, 500):
            await broker.publish_batch(*[body] * min(500, n - start), topic=name)


def _kafka(client: str) -> Subscribe:
    def subscribe(name: str, gate: Gate, n: int) -> Subscribed:
        broker = KafkaBroker(KAFKA) if client == "aiokafka" else ConfluentBroker(KAFKA)
        broker.subscriber(name, auto_offset_reset="earliest")(_handler(gate))

        async def held() -> None:
            return None  # inside the client library: not observable from here

        return broker, held

    return subscribe


async def _kafka_delete(name: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA)
    await admin.start()
    try:
        await admin.delete_topics([name])
    finally:
        await admin.close()


def _handler(gate: Gate) -> Callable[[bytes], Awaitable[None]]:
    async def handle(body: bytes) -> None:
        await gate.through()

    return handle


CASES = {
    case.label: case
    for case in [
        Case(
            "redis-list",
            "ListSub max_records=100",
            1,
            _redis_list_fill,
            _redis_list,
            _redis_delete,
        ),
        Case(
            "redis-stream",
            "StreamSub max_records=100",
            1,
            _redis_stream_fill,
            _redis_stream,
            _redis_delete,
        ),
        Case(
            "nats-push",
            "max_ack_pending=1000 (server)",
            1,
            _nats_fill,
            _nats(pull=False),
            _nats_delete,
        ),
        Case("nats-pull", "PullSub batch_size=100", 1, _nats_fill, _nats(pull=True), _nats_delete),
        Case(
            "rabbit",
            f"prefetch_count={DEFAULT_PREFETCH}",
            DEFAULT_PREFETCH,
            _rabbit_fill,
            _rabbit,
            _rabbit_delete,
            max_n=RABBIT_MAX,
        ),
        Case(
            "kafka",
            "max_records=500 + a fetch per partition",
            1,
            _kafka_fill,
            _kafka("aiokafka"),
            _kafka_delete,
        ),
        Case(
            "confluent",
            "max_records=500 + 8 MiB queue",
            1,
            _kafka_fill,
            _kafka("confluent"),
            _kafka_delete,
        ),
    ]
}


# --- the child: subscribe, hold, sample, drain ----------------------------------------


async def child(label: str, name: str, n: int, hold: float) -> dict[str, Any]:
    case = CASES[label]
    gate = Gate()
    broker, held = case.subscribe(name, gate, n)
    async with broker:
        before = rss_mib()
        await broker.start()
        await until(lambda: gate.in_flight >= case.concurrency, 60)
        waiting = rss_mib()
        end = time.monotonic() + hold
        while time.monotonic() < end:
            await asyncio.sleep(0.1)
            waiting = max(waiting, rss_mib())
        holding = await held()
        gate.released.set()
        t0 = time.monotonic()
        await until(lambda: gate.handled >= n, 300)
        drain = time.monotonic() - t0
    return {
        "max_in_flight": gate.max_in_flight,
        "held": holding,
        "handled": gate.handled,
        "before": before,
        "waiting": waiting,
        # Linux reports ru_maxrss in KiB.
        "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "drain": drain,
    }


async def run_case(label: str, n: int, size: int, hold: float) -> dict[str, Any]:
    case = CASES[label]
    n = min(n, case.max_n or n)
    name = f"bench-backlog-{uuid.uuid4().hex[:12]}"
    try:
        await case.fill(name, n, b"x" * size)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--child",
            label,
            "--name",
            name,
            "-n",
            str(n),
            "--hold",
            str(hold),
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"{label}: the child process failed ({proc.returncode})")
        result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
        result["n"] = n
        return result
    finally:
        await case.cleanup(name)


def _mib(value: float) -> str:
    return f"{value:.0f} MiB"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=50_000, help="messages in the backlog")
    parser.add_argument("--size", type=int, default=1024, help="bytes per message")
    parser.add_argument("--hold", type=float, default=3.0, help="seconds the backlog waits")
    parser.add_argument("--only", nargs="*", default=list(CASES), choices=list(CASES))
    parser.add_argument("--child", choices=list(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--name", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        result = await child(args.child, args.name, args.n, args.hold)
        print(json.dumps(result))
        return

    rows = [(label, await run_case(label, args.n, args.size, args.hold)) for label in args.only]
    print(
        f"\nmachine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {sys.platform}; messages of {args.size} bytes, "
        f"backlog held {args.hold:g} s\n"
    )
    header = (
        "broker",
        "backlog",
        "limit",
        "max in flight",
        "held",
        "RSS before",
        "RSS while backlog waits",
        "peak RSS",
        "drain msg/s",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for label, r in rows:
        cells = (
            label,
            f"{r['n']:,}",
            CASES[label].limit,
            str(r["max_in_flight"]),
            "n/a" if r["held"] is None else f"{r['held']:,}",
            _mib(r["before"]),
            _mib(r["waiting"]),
            _mib(r["peak"]),
            f"{r['handled'] / r['drain']:,.0f}" if r["drain"] > 0 else "n/a",
        )
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    asyncio.run(main())

"""SIGTERM to ``faststream-fastapi run`` while handlers are in flight (issue #9, scenario 2).

Each test runs an app in a subprocess with two at-least-once subscribers and a
small ``graceful_timeout``: ``short`` holds its message until the test releases
it (after the SIGTERM, well within the timeout), ``long`` never finishes. With
both in flight and one more message waiting behind ``short``, the test sends
SIGTERM, then checks: the process exits 0 soon after the timeout; ``short``
finished and acked its message and started nothing new; ``long`` was cancelled
and the log says so; a second consumer on the same queue / durable / group then
gets the cancelled message and the waiting one, and never the acked one.

Shared brokers, a fresh uuid name per test; nothing is restarted.
"""

from __future__ import annotations

import asyncio
import logging
import os
import runpy
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from fastapi.testclient import TestClient
from nats.js.errors import NotFoundError
from redis.asyncio import Redis

from faststream_fastapi.kafka import KafkaBroker, TopicPartition
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.rabbit import RabbitBroker, RabbitQueue
from faststream_fastapi.redis import RedisBroker, StreamSub, wire
from support import until

GRACE = 2.0
#: Exit after SIGTERM: the graceful timeout, cancelled handlers unwinding, a loaded CI.
EXIT_BOUND = GRACE + 20.0
WAIT = 30.0
AMQP = "amqp://guest:guest@127.0.0.1:5672/"
#: tansu answers a group join after about half the session timeout.
KAFKA_GROUP = {"session_timeout_ms": 3000, "heartbeat_interval_ms": 1000}

APP = """
import asyncio
import pathlib

from faststream_fastapi import FastStream
from faststream_fastapi.asgi import AsgiFastStream

HERE = pathlib.Path(__file__).parent
{setup}


def record(line):
    with (HERE / "record.txt").open("a") as f:
        f.write(line + "\\n")


@sub("{short}")
async def short(msg: str) -> None:
    record(f"start {{msg}}")
    for _ in range(1000):  # released by the test; at most 20 s
        if (HERE / f"release-{{msg}}").exists():
            break
        await asyncio.sleep(0.02)
    record(f"done {{msg}}")


@sub("{long}")
async def long(msg: str) -> None:
    record(f"start {{msg}}")
    try:
        await asyncio.sleep(120)
    except asyncio.CancelledError:
        record(f"cancelled {{msg}}")
        raise
    record(f"done {{msg}}")


async def ready() -> None:
    {ready}
    record("ready")


app = FastStream(broker, after_startup=[ready])
asgi = AsgiFastStream(broker, after_startup=[ready])
"""

SETUPS = {
    "redis": """
from faststream_fastapi.redis import RedisBroker, StreamSub
broker = RedisBroker("redis://127.0.0.1:6379", graceful_timeout={grace})


def sub(name):
    return broker.subscriber(stream=StreamSub(name, group="g", polling_interval=0.1))
""",
    "nats": """
from faststream_fastapi.nats import NatsBroker
broker = NatsBroker("nats://127.0.0.1:4222", graceful_timeout={grace})


def sub(name):
    return broker.subscriber(name, stream=name, durable="d")
""",
    "rabbit": """
from faststream_fastapi.rabbit import RabbitBroker, RabbitQueue
# One unacknowledged message at a time: the next one waits in the queue.
broker = RabbitBroker("{amqp}", graceful_timeout={grace}, prefetch_count=1)


def sub(name):
    return broker.subscriber(RabbitQueue(name, durable=False))
""",
    "confluent": """
from faststream_fastapi.confluent import KafkaBroker
broker = KafkaBroker("127.0.0.1:9092", graceful_timeout={grace}, **{group})


def sub(name):
    return broker.subscriber(name, group_id="g-" + name, auto_offset_reset="earliest")
""",
    "kafka": """
from faststream_fastapi.kafka import KafkaBroker
broker = KafkaBroker("127.0.0.1:9092", graceful_timeout={grace}, **{group})


def sub(name):
    return broker.subscriber(name, group_id="g-" + name, auto_offset_reset="earliest")
""",
}

# A group member reads nothing until it owns its partitions.
_ASSIGNED = "for each in broker.subscribers:\n        await each.consumption.wait_assigned(30)"
READY = {"kafka": _ASSIGNED, "confluent": _ASSIGNED}


@dataclass
class Names:
    short: str
    long: str


class Kit:
    """One broker's side of the test: publish, the second consumer, checks, cleanup."""

    kind = ""

    def __init__(self, names: Names) -> None:
        self.names = names

    def broker(self) -> Any:
        raise NotImplementedError

    def declare(self, broker: Any, name: str, got: list[tuple[str, str]]) -> None:
        """The second consumer of ``name``: same queue / durable / group as the app's."""
        raise NotImplementedError

    async def publish(self, broker: Any, body: str, name: str) -> None:
        await broker.publish(body, name)

    async def prepare(self, broker: Any) -> None:
        """Make what is published before the app starts reach its subscribers."""
        return None

    async def all_acked(self) -> bool:
        """Broker-side: nothing is left unacknowledged (checked after the second consumer)."""
        return True

    async def cleanup(self) -> None:
        return None


class RedisKit(Kit):
    kind = "redis"

    def broker(self) -> Any:
        return RedisBroker("redis://127.0.0.1:6379")

    def declare(self, broker: Any, name: str, got: list[tuple[str, str]]) -> None:
        # Claims entries pending on the stopped consumer once idle for 0.5 s.
        stream = StreamSub(name, group="g", polling_interval=0.1, min_idle_time=500)

        @broker.subscriber(stream=stream)
        async def second(msg: str) -> None:
            got.append((name, msg))

    async def publish(self, broker: Any, body: str, name: str) -> None:
        await broker.publish(body, stream=name)

    async def prepare(self, broker: Any) -> None:
        async with Redis.from_url("redis://127.0.0.1:6379") as client:
            for name in (self.names.short, self.names.long):
                await client.xgroup_create(name, "g", id="0", mkstream=True)

    async def all_acked(self) -> bool:
        async with Redis.from_url("redis://127.0.0.1:6379") as client:
            for name in (self.names.short, self.names.long):
                if (await client.xpending(name, "g"))["pending"]:
                    return False
        return True

    async def cleanup(self) -> None:
        async with Redis.from_url("redis://127.0.0.1:6379") as client:
            await client.delete(self.names.short, self.names.long)


class NatsKit(Kit):
    kind = "nats"

    def broker(self) -> Any:
        return NatsBroker("nats://127.0.0.1:4222")

    def declare(self, broker: Any, name: str, got: list[tuple[str, str]]) -> None:
        @broker.subscriber(name, stream=name, durable="d")
        async def second(msg: str) -> None:
            got.append((name, msg))

    async def publish(self, broker: Any, body: str, name: str) -> None:
        await broker.publish(body, name, stream=name, timeout=5.0)

    async def all_acked(self) -> bool:
        # An acked message leaves the durable's ack-pending set; one never acked
        # stays there for ack_wait (30 s), so this tells a lost ack apart.
        async with NatsBroker("nats://127.0.0.1:4222") as broker:
            js = broker.transport.client.jetstream()
            for name in (self.names.short, self.names.long):
                info = await js.consumer_info(name, "d")
                last = (await js.stream_info(name)).state.last_seq
                if info.num_ack_pending or info.ack_floor.stream_seq != last:
                    return False
        return True

    async def cleanup(self) -> None:
        async with NatsBroker("nats://127.0.0.1:4222") as broker:
            js = broker.transport.client.jetstream()
            for name in (self.names.short, self.names.long):
                with suppress(NotFoundError):
                    await js.delete_stream(name)


class RabbitKit(Kit):
    kind = "rabbit"

    def broker(self) -> Any:
        return RabbitBroker(AMQP)

    def declare(self, broker: Any, name: str, got: list[tuple[str, str]]) -> None:
        @broker.subscriber(RabbitQueue(name, durable=False))
        async def second(msg: str) -> None:
            got.append((name, msg))

    async def prepare(self, broker: Any) -> None:
        # The queues exist before the app starts, so nothing published is unroutable.
        connection = await aio_pika.connect(AMQP)
        async with connection:
            channel = await connection.channel()
            for name in (self.names.short, self.names.long):
                await channel.declare_queue(name, durable=False)

    async def all_acked(self) -> bool:
        connection = await aio_pika.connect(AMQP)
        async with connection:
            channel = await connection.channel()
            for name in (self.names.short, self.names.long):
                queue = await channel.declare_queue(name, passive=True)
                if queue.declaration_result.message_count:
                    return False
        return True

    async def cleanup(self) -> None:
        connection = await aio_pika.connect(AMQP)
        async with connection:
            channel = await connection.channel()
            for name in (self.names.short, self.names.long):
                await channel.queue_delete(name)


class KafkaKit(Kit):
    kind = "kafka"

    def broker(self) -> Any:
        return KafkaBroker("127.0.0.1:9092", **KAFKA_GROUP)

    def declare(self, broker: Any, name: str, got: list[tuple[str, str]]) -> None:
        # The group's committed offset, read without a second join: a record the
        # app never committed comes again, one it committed does not.
        where = [TopicPartition(name, 0)]

        @broker.subscriber(partitions=where, group_id=f"g-{name}", auto_offset_reset="earliest")
        async def second(msg: str) -> None:
            got.append((name, msg))

    async def publish(self, broker: Any, body: str, name: str) -> None:
        await broker.publish(body, name, partition=0)


KITS: dict[str, type[Kit]] = {
    "redis": RedisKit,
    "nats": NatsKit,
    "rabbit": RabbitKit,
    "kafka": KafkaKit,
    "confluent": KafkaKit,  # the app consumes with confluent-kafka; the test with aiokafka
}


def _app_source(kind: str, names: Names) -> str:
    setup = SETUPS[kind].format(grace=GRACE, amqp=AMQP, group=KAFKA_GROUP)
    return APP.format(
        setup=setup, short=names.short, long=names.long, ready=READY.get(kind, "pass")
    )


def _records(cwd: Path) -> list[str]:
    path = cwd / "record.txt"
    return path.read_text().splitlines() if path.exists() else []


def _output(cwd: Path) -> str:
    path = cwd / "output.log"
    return path.read_text(errors="replace") if path.exists() else ""


@asynccontextmanager
async def _run_app(cwd: Path, target: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m faststream_fastapi run target`` in its own process group; killed if left."""
    with (cwd / "output.log").open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "faststream_fastapi", "run", target, "--port", "0"),
            cwd=cwd,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield proc
        finally:
            if proc.returncode is None:
                os.killpg(proc.pid, signal.SIGKILL)
            with suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 10)


async def _until(
    check: Callable[[], bool | Awaitable[bool]], what: str, cwd: Path, timeout: float = WAIT
) -> None:
    """``until``, failing with what the app recorded and wrote."""
    await until(check, timeout, lambda: f"{what}\nrecords: {_records(cwd)}\n{_output(cwd)}")


async def _exit_status(proc: asyncio.subprocess.Process, cwd: Path) -> tuple[int, float]:
    started = time.monotonic()
    try:
        status = await asyncio.wait_for(proc.wait(), EXIT_BOUND)
    except TimeoutError:
        pytest.fail(f"still running {EXIT_BOUND} s after SIGTERM\n{_output(cwd)}")
    return status, time.monotonic() - started


@pytest.mark.parametrize(
    ("kind", "target"),
    [
        pytest.param("redis", "main:app", marks=pytest.mark.redis, id="redis"),
        pytest.param("redis", "main:asgi", marks=pytest.mark.redis, id="redis-asgi"),
        pytest.param("nats", "main:app", marks=pytest.mark.nats, id="nats"),
        pytest.param("rabbit", "main:app", marks=pytest.mark.rabbit, id="rabbit"),
        pytest.param("kafka", "main:app", marks=pytest.mark.kafka, id="kafka"),
        pytest.param("confluent", "main:app", marks=pytest.mark.kafka, id="confluent"),
    ],
)
async def test_sigterm_finishes_short_handlers_and_hands_back_cancelled_ones(
    kind: str, target: str, name: str, tmp_path: Path
) -> None:
    names = Names(short=f"{name}-short", long=f"{name}-long")
    kit = KITS[kind](names)
    (tmp_path / "main.py").write_text(_app_source(kind, names))
    publisher = kit.broker()
    try:
        async with publisher:
            await kit.prepare(publisher)
            # Published before the app starts, so s2 comes in the same batch as s1
            # (or sits in the client's buffer, or in the queue behind it).
            for body, where in (("s1", names.short), ("s2", names.short), ("l1", names.long)):
                await kit.publish(publisher, body, where)
            async with _run_app(tmp_path, target) as proc:
                await _until(
                    lambda: {"ready", "start s1", "start l1"} <= set(_records(tmp_path)),
                    "both handlers to be in flight",
                    tmp_path,
                )
                await asyncio.sleep(0.3)
                proc.send_signal(signal.SIGTERM)
                await asyncio.sleep(0.3)
                (tmp_path / "release-s1").touch()  # s1 finishes well within GRACE
                status, took = await _exit_status(proc, tmp_path)

            output = _output(tmp_path)
            assert status == 0, output
            assert took >= GRACE - 0.5, f"exited after {took:.1f} s, before the timeout"
            records = _records(tmp_path)
            assert "done s1" in records, records
            assert "cancelled l1" in records and "done l1" not in records, records
            assert "start s2" not in records, records  # consumption stopped first
            assert "1 in-flight handler(s) cancelled" in output, output

            # A second consumer on the same queues gets l1 (handed back) and s2
            # (never started), and not s1 (acknowledged before the exit).
            got: list[tuple[str, str]] = []
            second = kit.broker()
            kit.declare(second, names.short, got)
            kit.declare(second, names.long, got)
            async with second:
                await second.start()
                want = {(names.short, "s2"), (names.long, "l1")}
                # Well within JetStream's ack_wait (30 s): l1 came back by a nak, not a timeout.
                await _until(
                    lambda: want <= set(got), f"{want} at the second consumer", tmp_path, 15.0
                )
                await _until(kit.all_acked, "the second consumer's acks", tmp_path, 10.0)
                await asyncio.sleep(0.3)  # anything else would come right behind
            assert sorted(got) == sorted(want), got
    finally:
        await kit.cleanup()


@pytest.mark.redis
async def test_a_redis_list_pushes_back_what_it_popped_but_did_not_start(name: str) -> None:
    # A list has no acknowledgement: the cancelled item is lost, as documented; the
    # ones popped with it in one LPOP go back to the head of the list, in order.
    broker = RedisBroker("redis://127.0.0.1:6379", graceful_timeout=0.5)
    started: list[str] = []

    @broker.subscriber(list=name)
    async def endless(body: str) -> None:
        started.append(body)
        await asyncio.sleep(60)

    async with Redis.from_url("redis://127.0.0.1:6379") as client:
        try:
            async with broker:
                for body in ("a", "b", "c"):
                    await broker.publish(body, list=name)
                await broker.start()
                await _until(lambda: started == ["a"], "the first item in flight", Path("."))
            assert started == ["a"]
            waiting = await client.lrange(name, 0, -1)
            assert [wire.unpack(raw)[0] for raw in waiting] == [b"b", b"c"], waiting
        finally:
            await client.delete(name)


# -- the guide's example (docs/delivery.md) ---------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load_example(relative: str) -> dict[str, Any]:
    path = EXAMPLES / relative
    return runpy.run_path(str(path), run_name=f"docs_{path.stem}")


@pytest.mark.nats
def test_the_shutdown_example_hands_back_an_interrupted_invoice(
    name: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("INVOICES_STREAM", name)
    monkeypatch.setenv("GRACEFUL_TIMEOUT", "1")
    monkeypatch.setenv("WORK_SECONDS", "60")  # longer than the graceful timeout
    caplog.set_level(logging.WARNING, logger="faststream_fastapi")
    first = _load_example("production/shutdown.py")
    invoice = uuid.uuid4().int % 10**9
    try:
        with TestClient(first["app"]) as client:
            broker = first["router"].broker
            client.portal.call(partial(broker.publish, {"id": invoice}, name, stream=name))

            async def in_flight() -> bool:
                js = broker.transport.client.jetstream()
                return bool((await js.consumer_info(name, "billing")).num_ack_pending)

            _poll(lambda: client.portal.call(in_flight), "the invoice in flight")
        # Shut down: cancelled after 1 s, logged, handed back.
        assert first["interrupted"] == [invoice] and not first["billed"]
        assert "1 in-flight handler(s) cancelled" in caplog.text

        monkeypatch.setenv("WORK_SECONDS", "0")
        second = _load_example("production/shutdown.py")
        with TestClient(second["app"]):
            # Well within JetStream's ack_wait (30 s): it came back by the nak.
            _poll(lambda: invoice in second["billed"], "the invoice billed by the next consumer")
    finally:
        asyncio.run(NatsKit(Names(name, name)).cleanup())


def _poll(check: Callable[[], Any], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)

"""A replica dies mid-stream (issue #19, point 6).

Two ``faststream-fastapi run`` processes share the work of one subscription: a
Redis stream consumer group, a NATS queue group on a durable JetStream consumer,
a RabbitMQ queue, a Kafka consumer group (aiokafka and confluent-kafka). Each
handler records when it starts and ends each message, holding it ``HOLD``
seconds. Once both replicas run and messages flow, the test SIGKILLs a replica
that has a handler in flight, and checks what the survivor does:

- nothing is lost: every published id is handled to the end by one of them;
- what the dead replica had started and not finished is handled by the survivor;
- a message is handled more than once only if the broker counted it as taken by
  the dead replica and not settled when it died, so the duplicates are bounded
  by that number (read from the broker right after the kill, or for RabbitMQ
  bounded by ``prefetch_count``);
- the time from the kill until the survivor has finished all of the dead
  replica's interrupted messages is printed (run with ``-s``): what
  docs/production.md reports. It is bounded only generously.

And NATS replicas that create their queue group's durable at the same moment
all receive its messages.

Shared brokers, fresh names per test; nothing is restarted.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from replica_kits import KITS, Kit

from faststream_fastapi.nats import NatsBroker
from support import spawn, until

#: Messages published, once both replicas consume.
COUNT = 30
#: How long a handler holds each message (seconds).
HOLD = 0.1
#: Startup of both replicas (a Kafka group join with tansu takes a few seconds).
START = 60.0
#: Generous: the slowest mechanism (a Kafka session timeout of 3 s, then a
#: rebalance) takes well under this on a loaded machine.
RECOVER = 60.0
#: After everything was handled: time for a late duplicate to show.
SETTLE = 1.5

APP = """
import asyncio
import os
import pathlib
import time

from faststream_fastapi import FastStream

HERE = pathlib.Path(__file__).parent
LABEL = os.environ["REPLICA"]
{setup}


def record(event, n=""):
    line = f"{{time.time():.4f}} {{LABEL}} {{os.getpid()}} {{event}} {{n}}\\n"
    with (HERE / "record.txt").open("a") as f:
        f.write(line)


@sub("{name}")
async def handle(n: int) -> None:
    record("start", n)
    await asyncio.sleep({hold})
    record("done", n)


async def ready() -> None:
    {ready}
    record("ready")


app = FastStream(broker, after_startup=[ready])
"""


@dataclass
class Event:
    at: float
    replica: str
    pid: int
    what: str
    n: int | None


@dataclass
class Records:
    events: list[Event] = field(default_factory=list)

    @classmethod
    def read(cls, cwd: Path) -> Records:
        path = cwd / "record.txt"
        found = cls()
        for line in path.read_text().splitlines() if path.exists() else ():
            parts = line.split()
            if len(parts) < 4:
                continue  # not a whole line (each is written in one call, so none should be)
            n = int(parts[4]) if len(parts) > 4 else None
            found.events.append(Event(float(parts[0]), parts[1], int(parts[2]), parts[3], n))
        return found

    def of(self, what: str, replica: str | None = None) -> list[Event]:
        return [e for e in self.events if e.what == what and replica in (None, e.replica)]

    def ids(self, what: str, replica: str | None = None) -> Counter[int]:
        return Counter(e.n for e in self.of(what, replica) if e.n is not None)

    def in_flight(self, replica: str) -> set[int]:
        """Ids the replica started and has not finished."""
        return set(self.ids("start", replica) - self.ids("done", replica))


def _output(cwd: Path) -> str:
    return "".join(
        f"--- {p}\n{p.read_text(errors='replace')}" for p in sorted(cwd.glob("*/output.log"))
    )


def _replica(cwd: Path, label: str) -> Any:
    """``faststream-fastapi run main:app`` (``main.py`` in ``cwd``) as replica ``label``,
    its output in ``cwd/label/output.log``; killed with its process group if left."""
    (cwd / label).mkdir()
    command = (sys.executable, "-m", "faststream_fastapi", "run", "main:app")
    env = os.environ | {"REPLICA": label}
    return spawn(cwd / label, *command, "--app-dir", str(cwd), env=env)


async def _wait(cwd: Path, check: Any, what: str, timeout: float) -> None:
    await until(
        lambda: check(Records.read(cwd)),
        timeout,
        lambda: f"{what}\nrecords: {Records.read(cwd).events[-20:]}\n{_output(cwd)}",
    )


def _victim(records: Records) -> str | None:
    """A replica with a handler in flight, once both have taken messages."""
    starts = records.ids("start")
    if sum(starts.values()) < 4 or len({e.replica for e in records.of("start")}) < 2:
        return None
    for label in ("a", "b"):
        if records.in_flight(label):
            return label
    return None


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("nats", marks=pytest.mark.nats),
        pytest.param("rabbit", marks=pytest.mark.rabbit),
        pytest.param("kafka", marks=pytest.mark.kafka, id="aiokafka"),
        pytest.param("confluent", marks=pytest.mark.kafka),
    ],
)
async def test_the_survivor_handles_what_a_killed_replica_had_taken(
    kind: str, name: str, tmp_path: Path
) -> None:
    kit: Kit = KITS[kind](name)
    source = APP.format(setup=kit.setup, name=name, hold=HOLD, ready=kit.ready)
    (tmp_path / "main.py").write_text(source)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(kit.cleanup)
        await kit.prepare()
        procs = {label: stack.enter_context(_replica(tmp_path, label)) for label in "ab"}
        await _wait(tmp_path, lambda r: len(r.of("ready")) == 2, "both replicas ready", START)
        async with kit.publisher() as publisher:
            for n in range(COUNT):
                await kit.publish(publisher, n)

        victim: list[tuple[str, float]] = []

        def pick(records: Records) -> bool:
            label = _victim(records)
            if label is not None:
                os.killpg(procs[label].pid, signal.SIGKILL)
                victim.append((label, time.time()))
            return label is not None

        await _wait(tmp_path, pick, "a replica with a handler in flight", RECOVER)
        dead, killed_at = victim[0]
        survivor = "b" if dead == "a" else "a"
        procs[dead].wait(10)
        at_kill = Records.read(tmp_path)
        interrupted = at_kill.in_flight(dead)
        assert interrupted, "the killed replica had nothing in flight"
        dead_pid = at_kill.of("ready", dead)[0].pid
        unsettled = await kit.unsettled(dead_pid, at_kill, killed_at)

        everything = set(range(COUNT))
        await _wait(
            tmp_path,
            lambda r: (
                set(r.ids("done")) >= everything and set(r.ids("done", survivor)) >= interrupted
            ),
            "every id handled",
            RECOVER,
        )
        await asyncio.sleep(SETTLE)
        assert procs[survivor].poll() is None, _output(tmp_path)
        records = Records.read(tmp_path)

    done, started = records.ids("done"), records.ids("start")
    assert set(done) == everything, f"lost: {everything - set(done)}"
    duplicates = sum(done.values()) - len(done)
    reruns = sum(started.values()) - len(started)
    # When the survivor first started / finished each interrupted message.
    taken_over: dict[int | None, float] = {}
    finished: dict[int | None, float] = {}
    for event in records.events:
        if event.replica == survivor and event.n in interrupted:
            {"start": taken_over, "done": finished}[event.what].setdefault(event.n, event.at)
    first = min(taken_over.values()) - killed_at
    recovery = max(finished.values()) - killed_at
    print(
        f"\n[{kind}] killed replica {dead} with {len(interrupted)} handler(s) in flight, "
        f"{unsettled} taken and unsettled ({kit.unsettled_means}); the survivor started "
        f"the first of them again after {first:.2f} s and had finished them all after "
        f"{recovery:.2f} s; duplicates: {duplicates} handled twice, {reruns} started twice"
    )
    assert reruns <= unsettled, (reruns, unsettled, records.events)
    assert duplicates <= unsettled, (duplicates, unsettled, records.events)
    assert recovery < RECOVER


def _recorder(into: list[int]) -> Any:
    async def handle(n: int) -> None:
        into.append(n)
        await asyncio.sleep(0.01)

    return handle


@pytest.mark.nats
async def test_nats_replicas_creating_their_queue_durable_at_once_all_receive(name: str) -> None:
    # Each used to create the durable with its own random deliver inbox: the last
    # create won, and the other replica listened on an inbox nothing was sent to.
    got: dict[str, list[int]] = {"a": [], "b": []}
    replicas = [NatsBroker("nats://127.0.0.1:4222") for _ in got]
    for label, broker in zip(got, replicas, strict=True):
        broker.subscriber(name, "workers", stream=name, durable="workers")(_recorder(got[label]))

    async with AsyncExitStack() as stack:
        for broker in replicas:
            await stack.enter_async_context(broker)
        try:
            await asyncio.gather(*(broker.start() for broker in replicas))
            for n in range(40):
                await replicas[0].publish(n, name, stream=name)
            await until(lambda: len(got["a"]) + len(got["b"]) == 40, 10, "every message")
            assert got["a"] and got["b"], got
            assert sorted(got["a"] + got["b"]) == list(range(40))
        finally:
            js = replicas[0].transport.client.jetstream()  # type: ignore[attr-defined]
            await js.delete_stream(name)

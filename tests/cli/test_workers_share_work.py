"""The examples the guide runs with ``--workers`` share messages among the workers.

Each worker process has its own consumers; a Redis channel, a NATS subject
without a queue group, a Kafka consumer without a group or a RabbitMQ exclusive
queue gives every one of them a copy of each message. The commands that pair
``--workers`` with an example must name one whose subscribers share the work.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import re
import socket
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from faststream_fastapi.core.broker import Broker
from support import spawn

ROOT = Path(__file__).parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SOURCES = sorted((ROOT / "examples").rglob("*.py"))
APP_REF = re.compile(r"\b(?P<module>examples[\w./]*?)(?:\.py)?:(?P<attr>[A-Za-z_]\w*)\b")


def workers_commands() -> list[tuple[str, str]]:
    """(where, module) for every line that names an example app next to ``--workers``."""
    found = []
    for path in [*PAGES, *SOURCES]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "--workers" not in line:
                continue
            for match in APP_REF.finditer(line):
                where = f"{path.relative_to(ROOT)}:{number}"
                found.append((where, match["module"].replace("/", ".")))
    return found


def copies_to_every_process(spec: Any) -> bool:
    """Whether a subscription gives each consuming process its own copy of every message."""
    if hasattr(spec, "channel"):  # Redis pub/sub
        return True
    if hasattr(spec, "stream") and hasattr(spec, "group"):  # Redis stream
        return spec.group is None
    if hasattr(spec, "subject"):  # NATS: a queue group or a durable consumer shares
        return spec.queue is None and spec.durable is None
    if hasattr(spec, "group_id"):  # Kafka
        return spec.group_id is None
    queue = getattr(spec, "queue", None)
    if queue is not None and hasattr(queue, "exclusive"):  # RabbitMQ
        return bool(queue.exclusive or not queue.name)
    return False  # a Redis list, or a kind that only ever shares


def brokers_of_module(module: Any) -> list[Broker]:
    found: list[Broker] = []
    for value in vars(module).values():
        broker = value if isinstance(value, Broker) else getattr(value, "broker", None)
        if isinstance(broker, Broker) and broker not in found:
            found.append(broker)
    return found


def test_the_check_tells_sharing_from_copying() -> None:
    from faststream_fastapi.kafka import KafkaBroker
    from faststream_fastapi.nats import NatsBroker
    from faststream_fastapi.rabbit import RabbitBroker, RabbitQueue
    from faststream_fastapi.redis import RedisBroker, StreamSub

    redis, nats, kafka, rabbit = RedisBroker(), NatsBroker(), KafkaBroker(), RabbitBroker()
    copying = [
        redis.subscriber("channel"),
        redis.subscriber(stream="events"),
        nats.subscriber("subject"),
        kafka.subscriber("topic"),
        rabbit.subscriber(RabbitQueue("mine", exclusive=True)),
    ]
    sharing = [
        redis.subscriber(list="jobs"),
        redis.subscriber(stream=StreamSub("jobs", group="g", consumer="c")),
        nats.subscriber("subject", queue="workers"),
        kafka.subscriber("topic", group_id="workers"),
        rabbit.subscriber("jobs"),
    ]

    def specs(decorators: list[Any]) -> list[Any]:
        found = []
        for decorator in decorators:

            async def handler(body: str) -> None: ...

            decorator(handler)
            found += [sub.spec for b in (redis, nats, kafka, rabbit) for sub in b.subscribers]
            for b in (redis, nats, kafka, rabbit):
                b.subscribers.clear()
        return found

    assert [copies_to_every_process(s) for s in specs(copying)] == [True] * 5
    assert [copies_to_every_process(s) for s in specs(sharing)] == [False] * 5


def test_the_guide_pairs_workers_with_examples() -> None:
    assert len(workers_commands()) >= 3


@pytest.mark.parametrize(("where", "module"), workers_commands())
def test_examples_run_with_workers_share_the_work(where: str, module: str) -> None:
    sys.path.insert(0, str(ROOT))
    try:
        loaded = importlib.import_module(module)
    finally:
        sys.path.remove(str(ROOT))
    brokers = brokers_of_module(loaded)
    assert brokers, f"{where}: no broker in {module}"
    copying = [
        str(sub.spec) for b in brokers for sub in b.subscribers if copies_to_every_process(sub.spec)
    ]
    assert copying == [], f"{where}: every worker would get a copy from {copying}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.nats
def test_two_workers_of_the_production_example_handle_each_job_once(tmp_path: Path) -> None:
    """``run examples.production.service:app --workers 2``: six jobs, six log lines."""
    from faststream_fastapi.nats import NatsBroker

    port = free_port()
    command = [sys.executable, "-m", "faststream_fastapi", "run"]
    command += ["examples.production.service:app", "--workers", "2", "--port", str(port)]
    command += ["--app-dir", str(ROOT)]
    log = tmp_path / "output.log"
    with spawn(tmp_path, *command) as proc:
        deadline = time.monotonic() + 60
        while log.read_text().count("Application startup complete") < 2:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        assert httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 204

        async def publish() -> None:
            async with NatsBroker("nats://127.0.0.1:4222") as broker:
                for job in range(6):
                    await broker.publish({"id": job}, "jobs")

        asyncio.run(publish())
        done = [f"job {job} done" for job in range(6)]
        while not all(line in log.read_text() for line in done):
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        time.sleep(0.5)  # a second copy, if any, arrives by now
        proc.terminate()
        assert proc.wait(30) == 0, log.read_text()
    text = log.read_text()
    assert [text.count(line) for line in done] == [1] * 6, text


FANNING_APP = """
from fastapi import FastAPI

from faststream_fastapi.redis import StreamSub
from faststream_fastapi.redis.fastapi import RedisRouter

router = RedisRouter("redis://127.0.0.1:1")


@router.subscriber("news")
async def news(body: str) -> None: ...


@router.subscriber(stream="events")
async def events(body: str) -> None: ...


@router.subscriber(list="jobs")
async def jobs(body: str) -> None: ...


@router.subscriber(stream=StreamSub("orders", group="g", consumer="c"))
async def orders(body: str) -> None: ...


app = FastAPI(lifespan=router.lifespan_context)
app.include_router(router)
"""


def test_each_broker_says_which_subscriptions_copy_to_every_process() -> None:
    """The descriptors' ``fan_out_fix`` agrees with ``copies_to_every_process``."""
    from faststream_fastapi.confluent import KafkaBroker as ConfluentBroker
    from faststream_fastapi.core.descriptor import descriptor_of
    from faststream_fastapi.kafka import KafkaBroker
    from faststream_fastapi.nats import NatsBroker, PullSub
    from faststream_fastapi.rabbit import RabbitBroker, RabbitQueue
    from faststream_fastapi.redis import RedisBroker, StreamSub

    redis, nats, kafka, rabbit = RedisBroker(), NatsBroker(), KafkaBroker(), RabbitBroker()
    confluent = ConfluentBroker()
    decorators = [
        redis.subscriber("channel"),
        redis.subscriber(stream="events"),
        redis.subscriber(list="jobs"),
        redis.subscriber(stream=StreamSub("jobs", group="g", consumer="c")),
        nats.subscriber("subject"),
        nats.subscriber("subject", queue="workers"),
        nats.subscriber("subject", stream="s", durable="d", pull_sub=PullSub()),
        kafka.subscriber("topic"),
        kafka.subscriber("topic", group_id="workers"),
        confluent.subscriber("topic"),
        confluent.subscriber("topic", group_id="workers"),
        rabbit.subscriber(RabbitQueue("mine", exclusive=True)),
        rabbit.subscriber("jobs"),
    ]
    for decorator in decorators:

        async def handler(body: str) -> None: ...

        decorator(handler)
    subs = [s for b in (redis, nats, kafka, confluent, rabbit) for s in b.subscribers]
    assert len(subs) == len(decorators)
    for sub in subs:
        fix = descriptor_of(sub.broker).fan_out_fix(sub.spec)  # type: ignore[union-attr]
        assert (fix is not None) == copies_to_every_process(sub.spec), sub.spec
        assert fix is None or fix.startswith("to share them, ")


def faststream_fastapi_script() -> str:
    script = Path(sys.executable).parent / "faststream-fastapi"
    assert script.exists(), f"{script} missing: reinstall the project (pip install -e '.[all]')"
    return str(script)


def test_more_than_one_worker_warns_for_each_copying_subscriber(tmp_path: Path) -> None:
    """``faststream-fastapi run fan:app --workers 2``: a warning names each such subscriber."""
    (tmp_path / "fan.py").write_text(FANNING_APP)
    command = [faststream_fastapi_script(), "run", "fan:app", "--workers", "2"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = tmp_path / "output.log"
    with spawn(tmp_path, *command, "--port", str(free_port()), env=env) as proc:
        deadline = time.monotonic() + 60
        while "Booting worker" not in log.read_text() and proc.poll() is None:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    warnings = [line for line in log.read_text().splitlines() if " WARNING " in line]
    assert [w.split("faststream_fastapi: ", 1)[1] for w in warnings] == [
        "subscriber 'news' of RedisBroker: each of the 2 workers gets its own copy of every"
        " message; to share them, use a list (list=...) or a stream with a consumer group"
        " (stream=StreamSub(..., group=..., consumer=...))",
        "subscriber 'events' of RedisBroker: each of the 2 workers gets its own copy of every"
        " message; to share them, give the StreamSub a group= (a stream consumer group)",
    ]


def test_one_worker_or_a_sharing_example_gives_no_warning(tmp_path: Path) -> None:
    from faststream_fastapi.cli.fanout import brokers_of, fan_out_warnings

    sys.path.insert(0, str(ROOT))
    try:
        module = importlib.import_module("examples.production.service")
    finally:
        sys.path.remove(str(ROOT))
    assert fan_out_warnings(brokers_of(module.app, module), 2) == []

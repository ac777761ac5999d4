"""Every RabbitMQ example of the FastAPI plugin page (seed 003), run against RabbitMQ.

The examples use fixed queue names ("test", "response", ...), so each test
starts and ends with those queues deleted.
"""

from __future__ import annotations

import asyncio
import logging
import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from faststream_fastapi.core.message import StreamMessage
from faststream_fastapi.core.middleware import CallNext, Middleware
from faststream_fastapi.rabbit import RabbitBroker, TestRabbitBroker
from support import wait_for

EXAMPLES = Path(__file__).parents[2] / "examples" / "fastapi" / "rabbit"
URL = "amqp://guest:guest@127.0.0.1:5672/"
SEED_QUEUES = ("test", "response", "core-queue", "nested-queue")


def load(name: str) -> dict[str, Any]:
    return runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name=f"seed003_rabbit_{name}")


class Recorder(Middleware):
    """Records what each subscriber handled and returned, through the public seam."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any, Any]] = []

    async def consume(self, message: StreamMessage, call_next: CallNext) -> Any:
        result = await call_next(message)
        self.seen.append((message.destination, message.decoded(), result))
        return result


def record(broker: RabbitBroker) -> Recorder:
    recorder = Recorder()
    broker.middlewares = (*broker.middlewares, recorder)
    return recorder


async def _delete_seed_queues() -> None:
    connection = await aio_pika.connect(URL)
    try:
        channel = await connection.channel()
        for queue in SEED_QUEUES:
            await channel.queue_delete(queue)
    finally:
        await connection.close()


@pytest.fixture
def clean_queues() -> Iterator[None]:
    asyncio.run(_delete_seed_queues())
    yield
    asyncio.run(_delete_seed_queues())


async def _publish_with_new_connection(body: Any, queue: str) -> None:
    async with RabbitBroker(URL) as broker:
        await broker.publish(body, queue)


@pytest.mark.rabbit
@pytest.mark.usefixtures("clean_queues")
def test_handling_message_with_logger_depends_and_publisher(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ns = load("handling")
    router = ns["router"]
    replies: list[Any] = []

    @router.subscriber("response")
    async def collect(msg: dict[str, str]) -> None:
        replies.append(msg)

    with (
        caplog.at_level(logging.INFO, logger="faststream_fastapi"),
        TestClient(ns["app"]) as client,
    ):
        assert client.get("/").json() == "Hello, HTTP!"
        asyncio.run(_publish_with_new_connection({"m": {"a": 1}}, "test"))
        wait_for(lambda: replies)
    assert replies == [{"response": "Hello, Rabbit!"}]
    assert any("m={'a': 1}" in r.getMessage() for r in caplog.records)  # the Logger ran


@pytest.mark.rabbit
@pytest.mark.usefixtures("clean_queues")
@pytest.mark.parametrize("name", ["broker_access", "broker_depends"])
def test_http_route_publishes_through_the_router_broker(name: str) -> None:
    ns = load(name)
    router = ns["router"]
    got: list[str] = []

    @router.subscriber("test")
    async def collect(msg: str) -> None:
        got.append(msg)

    with TestClient(ns["app"]) as client:
        assert client.get("/").json() == "Hello, HTTP!"
        wait_for(lambda: got)
    assert got == ["Hello, Rabbit!"]


@pytest.mark.rabbit
@pytest.mark.usefixtures("clean_queues")
def test_after_startup_hook_publishes_once_the_broker_runs() -> None:
    ns = load("after_startup")
    recorder = record(ns["router"].broker)
    with TestClient(ns["app"]):
        wait_for(lambda: recorder.seen)
    assert recorder.seen == [("test", "Hello!", {"response": "Hello, Rabbit!"})]


@pytest.mark.rabbit
def test_request_state_holds_the_broker() -> None:
    ns = load("state")
    with TestClient(ns["app"]) as client:
        assert client.get("/").json() == "RabbitBroker"


@pytest.mark.rabbit
@pytest.mark.usefixtures("clean_queues")
def test_nesting_shares_one_connection() -> None:
    ns = load("nesting")
    core, nested = ns["core_router"], ns["nested_router"]
    recorder = record(core.broker)
    assert nested.broker.root() is core.broker
    with TestClient(ns["app"]) as client:
        assert core.broker.running
        assert [s.consumption is not None for s in core.broker.subscribers] == [True, True]
        assert nested.broker.transport is core.broker.transport
        assert client.portal is not None
        client.portal.call(nested.broker.publish, "via nested", "nested-queue")
        client.portal.call(core.broker.publish, "via core", "core-queue")
        wait_for(lambda: len(recorder.seen) == 2)
    assert sorted(recorder.seen) == [
        ("core-queue", "via core", None),
        ("nested-queue", "via nested", None),
    ]


@pytest.mark.rabbit
@pytest.mark.usefixtures("clean_queues")
def test_custom_lifespan_runs_two_routers_with_two_connections() -> None:
    ns = load("custom_lifespan")
    core, nested = ns["core_router"], ns["nested_router"]
    got: list[tuple[str, str]] = []

    @core.subscriber("core-queue")
    async def on_core(msg: str) -> None:
        got.append(("core", msg))

    @nested.subscriber("nested-queue")
    async def on_nested(msg: str) -> None:
        got.append(("nested", msg))

    with TestClient(ns["app"]) as client:
        assert core.broker.running and nested.broker.running
        assert core.broker.transport is not nested.broker.transport
        assert client.portal is not None
        client.portal.call(core.broker.publish, "a", "nested-queue")
        client.portal.call(nested.broker.publish, "b", "core-queue")
        wait_for(lambda: len(got) == 2)
    assert sorted(got) == [("core", "b"), ("nested", "a")]
    assert not core.broker.running and not nested.broker.running


def test_documentation_routes() -> None:
    ns = load("documentation")
    app = FastAPI()
    app.include_router(ns["router"])
    client = TestClient(app)
    assert client.get("/asyncapi").status_code == 200
    assert client.get("/asyncapi.json").json()["asyncapi"] == "3.0.0"
    assert client.get("/asyncapi.yaml").headers["content-type"].startswith("application/yaml")


async def test_testing_example() -> None:
    ns = load("testing")
    await ns["test_router"]()


async def test_handling_example_in_memory() -> None:
    ns = load("handling")
    async with TestRabbitBroker(ns["router"].broker) as br:
        await br.publish({"m": {}}, "test")
        ns["hello"].mock.assert_called_once_with({"m": {}})
        publisher = ns["hello"].publishers[0]
        publisher.mock.assert_called_once_with({"response": "Hello, Rabbit!"})


def test_dependency_overrides_apply_to_rabbit_subscribers() -> None:
    from fastapi import Depends

    from faststream_fastapi.rabbit.fastapi import RabbitRouter

    router = RabbitRouter()

    def flag() -> str:
        return "real"

    @router.subscriber("in")
    async def handle(msg: str, f: str = Depends(flag)) -> str:
        return f"{msg}:{f}"

    app = FastAPI(lifespan=router.lifespan_context)
    app.include_router(router)
    app.dependency_overrides[flag] = lambda: "override"

    async def run() -> Any:
        async with TestRabbitBroker(router.broker) as br:
            return (await br.request("x", "in")).decoded()

    assert asyncio.run(run()) == "x:override"

"""The Kafka and confluent examples of the FastAPI plugin page (examples/fastapi/{kafka,confluent}).

The guide includes these files verbatim; here each one runs against the real
cluster on 127.0.0.1:9092 (or in memory where the page says so). The apps run
in ``TestClient``'s thread, so handlers report through thread-safe queues and
every wait is bounded.
"""

from __future__ import annotations

import importlib
import queue
import runpy
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

EXAMPLES = Path(__file__).parents[2] / "examples" / "fastapi"
SERVERS = "127.0.0.1:9092"
WAIT = 20.0

flavours = pytest.mark.parametrize("flavour", ["kafka", "confluent"])


def load(flavour: str, name: str) -> dict[str, Any]:
    path = EXAMPLES / flavour / f"{name}.py"
    return runpy.run_path(str(path), run_name=f"docs_seed003_{flavour}_{name}")


def wait_for(got: queue.Queue[Any], expected: Any) -> None:
    """Wait until ``expected`` arrives; others may publish to the seed's topic names too."""
    seen = []
    while True:
        try:
            item = got.get(timeout=WAIT)
        except queue.Empty:
            raise AssertionError(f"{expected!r} did not arrive; saw {seen!r}") from None
        if item == expected:
            return
        seen.append(item)


@pytest.mark.kafka
@flavours
def test_handling_messages_publishes_the_reply(flavour: str) -> None:
    ns = load(flavour, "handling")
    router = ns["router"]
    replies: queue.Queue[Any] = queue.Queue()

    @router.subscriber("response")
    async def collect(msg: dict[str, str]) -> None:
        replies.put(msg)

    with TestClient(ns["app"]) as client:
        assert client.get("/").json() == "Hello, HTTP!"
        client.portal.call(router.broker.publish, {"m": {"a": 1}}, "test")
        wait_for(replies, {"response": "Hello, Kafka!"})


@pytest.mark.kafka
@flavours
@pytest.mark.parametrize("name", ["broker_access", "broker_depends"])
def test_http_route_publishes_through_the_router_broker(flavour: str, name: str) -> None:
    ns = load(flavour, name)
    router = ns["router"]
    got: queue.Queue[str] = queue.Queue()

    @router.subscriber("test")
    async def collect(msg: str) -> None:
        got.put(msg)

    with TestClient(ns["app"]) as client:
        assert client.get("/").json() == "Hello, HTTP!"
        wait_for(got, "Hello, Kafka!")


@pytest.mark.kafka
@flavours
def test_after_startup_hook_publishes_once_the_broker_runs(flavour: str) -> None:
    ns = load(flavour, "after_startup")
    router = ns["router"]
    got: queue.Queue[str] = queue.Queue()

    @router.subscriber("test")
    async def collect(msg: str) -> None:
        got.put(msg)

    with TestClient(ns["app"]):
        wait_for(got, "Hello!")


@pytest.mark.kafka
@flavours
def test_request_state_holds_the_broker(flavour: str) -> None:
    ns = load(flavour, "state")
    with TestClient(ns["app"]) as client:
        assert client.get("/").json() == "KafkaBroker"


@flavours
async def test_testing_example(flavour: str) -> None:
    ns = load(flavour, "testing")
    await ns["test_router"]()


@pytest.mark.kafka
@flavours
def test_nesting_shares_one_connection(flavour: str) -> None:
    ns = load(flavour, "nesting")
    core, nested = ns["core_router"], ns["nested_router"]
    assert nested.broker.root() is core.broker
    with TestClient(ns["app"]):
        assert core.broker.running
        assert len(core.broker.subscribers) == 2
        assert nested.broker.transport is core.broker.transport


@pytest.mark.kafka
@flavours
def test_custom_lifespan_keeps_two_connections(flavour: str) -> None:
    ns = load(flavour, "custom_lifespan")
    core, nested = ns["core_router"], ns["nested_router"]
    with TestClient(ns["app"]):
        assert core.broker.running and nested.broker.running
        assert core.broker.transport is not nested.broker.transport
    assert not core.broker.running and not nested.broker.running


@flavours
def test_documentation_routes(flavour: str) -> None:
    ns = load(flavour, "documentation")
    app = FastAPI()
    app.include_router(ns["router"])
    client = TestClient(app)
    assert client.get("/asyncapi").status_code == 200
    assert client.get("/asyncapi.json").json()["asyncapi"] == "3.0.0"
    assert client.get("/asyncapi.yaml").headers["content-type"].startswith("application/yaml")


@flavours
async def test_handling_example_in_memory(flavour: str) -> None:
    ns = load(flavour, "handling")
    pkg = importlib.import_module(f"faststream_fastapi.{flavour}")
    async with pkg.TestKafkaBroker(ns["router"].broker) as br:
        await br.publish({"m": {}}, "test")
        ns["hello"].mock.assert_called_once_with({"m": {}})
        ns["hello"].publishers[0].mock.assert_called_once_with({"response": "Hello, Kafka!"})

"""Every Redis example of the FastAPI plugin page (seed 003), run for real."""

import asyncio
import runpy
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from faststream_fastapi.redis import TestRedisBroker
from support import wait_for

EXAMPLES = Path(__file__).parents[2] / "examples" / "fastapi" / "redis"


def load(name: str) -> dict[str, Any]:
    return runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name=f"seed003_redis_{name}")


@pytest.mark.redis
def test_handling_messages_publishes_the_reply() -> None:
    ns = load("handling")
    router = ns["router"]
    replies: list[Any] = []

    @router.subscriber("response")
    async def collect(msg: dict[str, str]) -> None:
        replies.append(msg)

    with TestClient(ns["app"]) as client:
        assert client.get("/").json() == "Hello, HTTP!"
        asyncio.run(_publish_with_new_connection({"m": {"a": 1}}, "test"))
        wait_for(lambda: replies)
    assert replies == [{"response": "Hello, Redis!"}]


async def _publish_with_new_connection(body: Any, channel: str) -> None:
    from faststream_fastapi.redis import RedisBroker

    async with RedisBroker("redis://localhost:6379") as broker:
        await broker.publish(body, channel)


@pytest.mark.redis
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
    assert got == ["Hello, Redis!"]


@pytest.mark.redis
def test_after_startup_hook_publishes_once_the_broker_runs() -> None:
    ns = load("after_startup")
    router = ns["router"]
    got: list[str] = []

    @router.subscriber("test")
    async def collect(msg: str) -> None:
        got.append(msg)

    with TestClient(ns["app"]):
        wait_for(lambda: got)
    assert got == ["Hello!"]


@pytest.mark.redis
def test_request_state_holds_the_broker() -> None:
    ns = load("state")
    with TestClient(ns["app"]) as client:
        assert client.get("/").json() == "RedisBroker"


async def test_testing_example() -> None:
    ns = load("testing")
    await ns["test_router"]()


@pytest.mark.redis
def test_nesting_shares_one_connection() -> None:
    ns = load("nesting")
    core, nested = ns["core_router"], ns["nested_router"]
    assert nested.broker.root() is core.broker
    with TestClient(ns["app"]):
        assert core.broker.running
        assert [s.consumption is not None for s in core.broker.subscribers] == [True, True]
        assert nested.broker.transport is core.broker.transport


@pytest.mark.redis
def test_custom_lifespan_keeps_two_connections() -> None:
    ns = load("custom_lifespan")
    core, nested = ns["core_router"], ns["nested_router"]
    with TestClient(ns["app"]):
        assert core.broker.running and nested.broker.running
        assert core.broker.transport is not nested.broker.transport
    assert not core.broker.running and not nested.broker.running


def test_documentation_routes() -> None:
    ns = load("documentation")
    from fastapi import FastAPI

    app = FastAPI()
    app.include_router(ns["router"])
    # No lifespan: the routes exist as soon as the router is included.
    client = TestClient(app)
    assert client.get("/asyncapi").status_code == 200
    assert client.get("/asyncapi.json").json()["asyncapi"] == "3.0.0"
    assert client.get("/asyncapi.yaml").headers["content-type"].startswith("application/yaml")


async def test_handling_example_in_memory() -> None:
    ns = load("handling")
    async with TestRedisBroker(ns["router"].broker) as br:
        await br.publish({"m": {}}, "test")
        ns["hello"].mock.assert_called_once_with({"m": {}})
        publisher = ns["hello"].publishers[0]
        publisher.mock.assert_called_once_with({"response": "Hello, Redis!"})

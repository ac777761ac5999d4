"""Every NATS example of the FastAPI plugin page (seed 003), run against the real server."""

from __future__ import annotations

import asyncio
import runpy
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from faststream_fastapi.nats import NatsBroker, TestNatsBroker, fastapi
from support import wait_for

EXAMPLES = Path(__file__).parents[2] / "examples" / "fastapi" / "nats"


def load(name: str) -> dict[str, Any]:
    return runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name=f"seed003_nats_{name}")


async def _publish_with_new_connection(body: Any, subject: str) -> None:
    async with NatsBroker("nats://localhost:4222") as broker:
        await broker.publish(body, subject)


@pytest.mark.nats
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
    assert replies == [{"response": "Hello, NATS!"}]


@pytest.mark.nats
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
    assert got == ["Hello, NATS!"]


@pytest.mark.nats
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


@pytest.mark.nats
def test_request_state_holds_the_broker() -> None:
    ns = load("state")
    with TestClient(ns["app"]) as client:
        assert client.get("/").json() == "NatsBroker"


@pytest.mark.nats
def test_nesting_shares_one_connection() -> None:
    ns = load("nesting")
    core, nested = ns["core_router"], ns["nested_router"]
    assert nested.broker.root() is core.broker
    with TestClient(ns["app"]):
        assert core.broker.running
        assert [s.name for s in core.broker.subscribers] == ["core-subject", "nested-subject"]
        assert all(s.consumption is not None for s in core.broker.subscribers)
        assert nested.broker.transport is core.broker.transport
        # The nested subscriber consumes on the shared connection (it answers).
        reply = asyncio.run(_request_with_new_connection("nested-subject"))
        assert reply == b""
    assert not core.broker.running


async def _request_with_new_connection(subject: str) -> bytes:
    async with NatsBroker("nats://localhost:4222") as broker:
        return (await broker.request(None, subject, timeout=2)).body


@pytest.mark.nats
def test_custom_lifespan_keeps_two_connections() -> None:
    ns = load("custom_lifespan")
    core, nested = ns["core_router"], ns["nested_router"]
    with TestClient(ns["app"]):
        assert core.broker.running and nested.broker.running
        assert core.broker.transport is not nested.broker.transport
        assert core.broker.transport.client.is_connected  # type: ignore[attr-defined]
        assert nested.broker.transport.client.is_connected  # type: ignore[attr-defined]
    assert not core.broker.running and not nested.broker.running


def test_documentation_routes() -> None:
    ns = load("documentation")
    app = FastAPI()
    app.include_router(ns["router"])
    client = TestClient(app)
    assert client.get("/asyncapi").status_code == 200
    assert client.get("/asyncapi.json").json()["asyncapi"] == "3.0.0"


async def test_testing_example() -> None:
    ns = load("testing")
    await ns["test_router"]()


async def test_handling_example_in_memory() -> None:
    ns = load("handling")
    async with TestNatsBroker(ns["router"].broker) as br:
        await br.publish({"m": {}}, "test")
        ns["hello"].mock.assert_called_once_with({"m": {}})
        publisher = ns["hello"].publishers[0]
        publisher.mock.assert_called_once_with({"response": "Hello, NATS!"})


@pytest.mark.nats
def test_annotations_give_message_and_broker(name: str) -> None:
    router = fastapi.NatsRouter("nats://localhost:4222")
    seen: list[tuple[str, bool, str | None]] = []

    @router.subscriber(name)
    async def handle(body: str, message: fastapi.NatsMessage, broker: fastapi.NatsBroker) -> None:
        seen.append((body, broker is router.broker, message.headers.get("X-Trace")))

    @router.post("/send")
    async def send(text: str) -> str:
        await router.broker.publish(text, name, headers={"x-trace": "t1"})
        return "sent"

    app = FastAPI(lifespan=router.lifespan_context)
    app.include_router(router)
    with TestClient(app) as client:
        assert client.post("/send", params={"text": "hello"}).json() == "sent"
        wait_for(lambda: seen)
    assert seen == [("hello", True, "t1")]

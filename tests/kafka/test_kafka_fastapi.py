"""Seed 003's Kafka examples, for aiokafka and confluent-kafka, on the real cluster.

Topic names are made unique per test; otherwise the code is the seed's, after
the rename. The app runs in ``TestClient``'s thread, so handlers report through
thread-safe queues and every wait is bounded.

No ``from __future__ import annotations`` here: the handlers are declared
inside the tests and use local names in their annotations, as the seed does
at module level.
"""

import importlib
import queue
from types import ModuleType
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

pytestmark = pytest.mark.kafka

SERVERS = "127.0.0.1:9092"
WAIT = 15.0


@pytest.fixture(params=["kafka", "confluent"], ids=["aiokafka", "confluent"])
def pkg(request: pytest.FixtureRequest) -> ModuleType:
    return importlib.import_module(f"faststream_fastapi.{request.param}")


def test_subscriber_publisher_depends_logger(pkg: ModuleType, name: str) -> None:
    KafkaRouter, Logger = pkg.fastapi.KafkaRouter, pkg.fastapi.Logger
    router = KafkaRouter(SERVERS)
    responses: queue.Queue[Any] = queue.Queue()

    class Incoming(BaseModel):
        m: dict[str, Any]

    def call() -> bool:
        return True

    @router.subscriber(f"{name}-test")
    @router.publisher(f"{name}-response")
    async def hello(m: Incoming, logger: Logger, d: bool = Depends(call)) -> dict[str, str]:
        logger.info(m)
        assert d is True
        return {"response": "Hello, Kafka!"}

    @router.subscriber(f"{name}-response")
    async def collect(body: dict[str, str]) -> None:
        responses.put(body)

    @router.get("/")
    async def hello_http() -> str:
        return "Hello, HTTP!"

    app = FastAPI(lifespan=router.lifespan_context)
    app.include_router(router)

    with TestClient(app) as client:
        assert client.get("/").json() == "Hello, HTTP!"
        client.portal.call(router.broker.publish, {"m": {"a": 1}}, f"{name}-test")
        assert responses.get(timeout=WAIT) == {"response": "Hello, Kafka!"}


def test_http_endpoint_publishes(pkg: ModuleType, name: str) -> None:
    router = pkg.fastapi.KafkaRouter(SERVERS)
    got: queue.Queue[str] = queue.Queue()

    app = FastAPI(lifespan=router.lifespan_context)

    @router.subscriber(name)
    async def handler(msg: str) -> None:
        got.put(msg)

    @router.get("/")
    async def hello_http() -> str:
        await router.broker.publish("Hello, Kafka!", name)
        return "Hello, HTTP!"

    app.include_router(router)

    with TestClient(app) as client:
        assert client.get("/").json() == "Hello, HTTP!"
        assert got.get(timeout=WAIT) == "Hello, Kafka!"


def test_broker_as_a_dependency(pkg: ModuleType, name: str) -> None:
    KafkaBroker, fastapi = pkg.KafkaBroker, pkg.fastapi
    router = fastapi.KafkaRouter(SERVERS)
    got: queue.Queue[str] = queue.Queue()

    app = FastAPI(lifespan=router.lifespan_context)

    def broker() -> Any:
        return router.broker

    @router.subscriber(name)
    async def handler(msg: str) -> None:
        got.put(msg)

    @router.get("/")
    async def hello_http(broker: Annotated[KafkaBroker, Depends(broker)]) -> str:
        await broker.publish("Hello, Kafka!", name)
        return "Hello, HTTP!"

    app.include_router(router)

    with TestClient(app) as client:
        assert client.get("/").json() == "Hello, HTTP!"
        assert got.get(timeout=WAIT) == "Hello, Kafka!"


def test_after_startup_publishes(pkg: ModuleType, name: str) -> None:
    router = pkg.fastapi.KafkaRouter(SERVERS)
    got: queue.Queue[str] = queue.Queue()

    @router.subscriber(name)
    async def hello(msg: str) -> dict[str, str]:
        got.put(msg)
        return {"response": "Hello, Kafka!"}

    @router.after_startup
    async def test(app: FastAPI) -> None:
        await router.broker.publish("Hello!", name)

    app = FastAPI(lifespan=router.lifespan_context)
    app.include_router(router)

    with TestClient(app):
        assert got.get(timeout=WAIT) == "Hello!"


def test_nested_routers_share_the_connection(pkg: ModuleType, name: str) -> None:
    KafkaRouter = pkg.fastapi.KafkaRouter
    core_router = KafkaRouter(SERVERS)
    nested_router = KafkaRouter(SERVERS)
    got: queue.Queue[tuple[str, str]] = queue.Queue()

    @core_router.subscriber(f"{name}-core")
    async def handler(msg: str) -> None:
        got.put(("core", msg))

    @nested_router.subscriber(f"{name}-nested")
    async def nested_handler(msg: str) -> None:
        got.put(("nested", msg))

    core_router.include_router(nested_router)

    app = FastAPI(lifespan=core_router.lifespan_context)
    app.include_router(core_router)

    with TestClient(app) as client:
        client.portal.call(nested_router.broker.publish, "a", f"{name}-core")
        client.portal.call(core_router.broker.publish, "b", f"{name}-nested")
        assert {got.get(timeout=WAIT), got.get(timeout=WAIT)} == {("core", "a"), ("nested", "b")}

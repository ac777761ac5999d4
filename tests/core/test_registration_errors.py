"""Mistakes a handler or a broker's address can carry fail where they are made, by name.

A ``Query()`` parameter and ``*args`` /
``**kwargs`` are refused when the handler is registered; a URL of another
broker's scheme when the broker is built; a missing client library names the
extra that installs it; a body that is not JSON says so.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import warnings
from pathlib import Path as FilePath
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Path, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel

from faststream_fastapi.core import SetupError
from faststream_fastapi.redis import RedisBroker, TestRedisBroker
from faststream_fastapi.redis.fastapi import RedisRouter

ROOT = FilePath(__file__).parents[2]


async def takes_query(n: Annotated[int, Query()]) -> None: ...


async def takes_query_default(n: int = Query(1)) -> None: ...


async def takes_args(*args: Any) -> None: ...


async def takes_kwargs(order: dict, **extra: Any) -> None: ...


@pytest.mark.parametrize(
    ("destination", "handler", "says"),
    [
        ("orders", takes_query, "parameter 'n' is a Query()"),
        ("orders", takes_query_default, "parameter 'n' is a Query()"),
        ("orders", takes_args, "parameter *args cannot be filled"),
        ("orders", takes_kwargs, "parameter **extra cannot be filled"),
    ],
    ids=["query", "query-default", "args", "kwargs"],
)
def test_parameters_no_message_fills_fail_at_registration(
    destination: str, handler: Any, says: str
) -> None:
    with pytest.raises(SetupError) as info:
        RedisBroker().subscriber(destination)(handler)
    assert str(info.value).startswith(f"handler {handler.__name__}: ")
    assert says in str(info.value)


@pytest.mark.parametrize("destination", ["logs.{lvl}", "logs"])
async def test_a_path_name_the_destination_lacks_reads_the_body(destination: str) -> None:
    broker = RedisBroker()
    got: list[Any] = []

    @broker.subscriber(destination)
    async def takes(level: Annotated[str, Path()]) -> None:
        got.append(level)

    async with TestRedisBroker(broker) as br:
        await br.publish({"level": "warn"}, destination.replace("{lvl}", "x"))
    assert got == ["warn"]


def page(size: int = Query(10)) -> int:
    return size


async def paged(body: str, size: Annotated[int, Depends(page)]) -> None: ...


def test_in_a_dependency_the_dependency_is_named() -> None:
    with pytest.raises(
        SetupError, match=r"^handler paged: parameter 'size' is a Query\(\).*\(in page\)$"
    ):
        RedisBroker().subscriber("orders")(paged)


async def test_what_still_registers_is_filled() -> None:
    broker = RedisBroker()
    got: list[Any] = []

    @broker.subscriber("logs.{level}")
    async def handler(n: int, level: Annotated[str, Path()], note: str = "") -> None:
        got.append((n, level, note))

    async with TestRedisBroker(broker) as br:
        await br.publish({"n": 1}, "logs.info")
    assert got == [(1, "info", "")]


def brokers() -> dict[str, Any]:
    from faststream_fastapi.confluent import KafkaBroker as ConfluentBroker
    from faststream_fastapi.kafka import KafkaBroker
    from faststream_fastapi.nats import NatsBroker
    from faststream_fastapi.rabbit import RabbitBroker

    return {
        "redis": RedisBroker,
        "redis-router": RedisRouter,
        "nats": NatsBroker,
        "rabbit": RabbitBroker,
        "kafka": KafkaBroker,
        "confluent": ConfluentBroker,
    }


WRONG = {
    "redis": ("nats://localhost:4222", "RedisBroker: url='nats://localhost:4222'"),
    "redis-router": ("nats://localhost:4222", "RedisBroker: url='nats://localhost:4222'"),
    "nats": (["nats://a:4222", "redis://b:6379"], "NatsBroker: servers='redis://b:6379'"),
    "rabbit": ("redis://localhost:6379", "RabbitBroker: url='redis://localhost:6379'"),
    "kafka": ("amqp://localhost:5672", "KafkaBroker (aiokafka): bootstrap_servers="),
    "confluent": ("a:9092,nats://b:4222", "KafkaBroker (confluent): bootstrap_servers='nats"),
}
RIGHT = {
    "redis": ["redis://h:6379", "rediss://h:6380/1", "unix:///tmp/redis.sock"],
    "redis-router": ["redis://h:6379"],
    "nats": ["nats://h:4222", "tls://h:4222", ["nats://a:1", "nats://b:2"], "h:4222"],
    "rabbit": ["amqp://guest:guest@h:5672/", "amqps://h/vhost"],
    "kafka": ["h:9092", "PLAINTEXT://h:9092", "SASL_SSL://h:9093", ["a:1", "b:2"]],
    "confluent": ["h:9092", "SSL://h:9093"],
}


@pytest.mark.parametrize("kind", sorted(WRONG))
def test_an_address_of_another_scheme_fails_at_construction(kind: str) -> None:
    address, says = WRONG[kind]
    with pytest.raises(SetupError) as info:
        brokers()[kind](address)
    assert str(info.value).startswith(says)
    assert "which is not" in str(info.value)


@pytest.mark.parametrize("kind", sorted(RIGHT))
def test_addresses_of_the_brokers_scheme_are_taken(kind: str) -> None:
    for address in RIGHT[kind]:
        brokers()[kind](address)


@pytest.mark.parametrize(
    ("package", "module", "extra"),
    [
        ("kafka", "aiokafka", "kafka"),
        ("confluent", "confluent_kafka", "confluent"),
        ("nats", "nats", "nats"),
        ("rabbit", "aio_pika", "rabbit"),
        ("redis", "redis", "redis"),
    ],
)
def test_a_missing_client_library_names_the_extra(package: str, module: str, extra: str) -> None:
    """Simulated: the client module is made unimportable in a fresh interpreter."""
    code = (
        f"import sys; sys.modules[{module!r}] = None\n"
        f"from faststream_fastapi.{package}.fastapi import *\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        f"ModuleNotFoundError: {module} is not installed; it comes with this project's "
        f"[{extra}] extra (in its clone: pip install -e '.[{extra}]')"
    )


def test_nesting_a_router_twice_names_the_router() -> None:
    inner = RedisRouter(prefix="/inner")
    RedisRouter().include_router(inner)
    with pytest.raises(SetupError) as info:
        RedisRouter().include_router(inner)
    assert str(info.value).startswith("RedisRouter(prefix='/inner') is already included")
    assert " at 0x" not in str(info.value)


@pytest.mark.parametrize("prefixes", [("", ""), ("/a", "/b")], ids=["same", "different"])
async def test_an_app_including_a_router_twice_warns_of_no_duplicate_docs_routes(
    prefixes: tuple[str, str],
) -> None:
    router = RedisRouter()

    @router.get("/ping")
    async def ping() -> str:
        return "pong"

    app = FastAPI(lifespan=router.lifespan_context)
    for prefix in prefixes:
        app.include_router(router, prefix=prefix)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with TestRedisBroker(router.broker):
            with TestClient(app) as client:
                paths = client.get("/openapi.json").json()["paths"]
                page = client.get(f"{prefixes[1]}/asyncapi")
    duplicates = [w for w in caught if "Duplicate Operation ID" in str(w.message)]
    assert [str(w.message).split(" for ")[0] for w in duplicates] == [], duplicates
    expected = {f"{p}{path}" for p in prefixes for path in ("/ping", "/asyncapi")}
    assert expected <= set(paths)
    assert page.status_code == 200


def test_including_a_broker_twice_names_it() -> None:
    inner = RedisBroker()
    RedisBroker().include_router(inner)
    with pytest.raises(SetupError, match=r"^RedisBroker is already included"):
        RedisBroker().include_router(inner)


class Order(BaseModel):
    id: int


SECRET = "s3cret-payload"


@pytest.mark.parametrize("body", [f"{{{SECRET}", SECRET.encode()], ids=["text", "bytes"])
@pytest.mark.parametrize("shape", ["model", "fields"])
async def test_a_body_that_is_not_json_says_so(
    caplog: pytest.LogCaptureFixture, body: Any, shape: str
) -> None:
    broker = RedisBroker()
    if shape == "model":

        @broker.subscriber("orders")
        async def handle(order: Order) -> None: ...

    else:

        @broker.subscriber("orders")
        async def handle(id: int, item: str) -> None: ...

    caplog.set_level(logging.ERROR, "faststream_fastapi")
    async with TestRedisBroker(broker) as br:
        with pytest.raises(Exception, match="body is not valid JSON: "):
            await br.publish(body, "orders")
    [line] = [r.getMessage() for r in caplog.records]
    assert "body is not valid JSON: " in line
    assert "valid dictionary" not in line
    assert SECRET not in caplog.text

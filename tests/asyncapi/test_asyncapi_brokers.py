"""Every broker kind: documents valid against the official schemas, with its bindings."""

from __future__ import annotations

import datetime
import importlib
import json
from pathlib import Path
from typing import Annotated, Any

import jsonschema
import pytest
from fastapi import Depends, FastAPI, Header
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from faststream_fastapi.asyncapi import get_app_schema, to_json

SCHEMAS = Path(__file__).parent / "schemas"
VERSIONS = ["3.0.0", "2.6.0"]
KINDS = ["redis", "nats", "rabbit", "kafka", "confluent"]


def validate(document: dict[str, Any]) -> None:
    schema = json.loads((SCHEMAS / f"{document['asyncapi']}.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    errors = sorted(cls(schema).iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors)


class Order(BaseModel):
    id: int = Field(description="The order number")
    note: str | None = None


def trace(x_trace: Annotated[str, Header()]) -> str:
    return x_trace


async def _handle(order: Order, t: Annotated[str, Depends(trace)]) -> Order:
    """Take an order."""
    return order


def _module(kind: str) -> Any:
    return importlib.import_module(f"faststream_fastapi.{kind}")


def build(kind: str) -> Any:
    """A broker of ``kind`` with the shapes of subscription its facade offers."""
    m = _module(kind)
    if kind == "redis":
        broker = m.RedisBroker("redis://u:pw-secret@localhost:6379/0")
        broker.subscriber("orders")(_handle)
        broker.subscriber(stream=m.StreamSub("events", group="g"))(_handle)
        broker.publisher("out")(_handle)
    elif kind == "nats":
        broker = m.NatsBroker(["nats://u:pw-secret@n1:4222", "nats://n2:4222"])
        broker.subscriber("orders.{region}", queue="workers")(_handle)
        broker.subscriber("js.orders", stream=m.JStream("ORDERS"), durable="d", pull_sub=True)(
            _handle
        )
        broker.publisher("out", stream="ORDERS")(_handle)
    elif kind == "rabbit":
        broker = m.RabbitBroker("amqp://guest:pw-secret@rabbit:5672/shop")
        exchange = m.RabbitExchange("orders-x", m.ExchangeType.TOPIC, durable=True)
        broker.subscriber(m.RabbitQueue("orders", durable=True, routing_key="orders.*"), exchange)(
            _handle
        )
        broker.subscriber("plain")(_handle)
        broker.publisher(
            exchange=exchange,
            routing_key="orders.new",
            persist=True,
            priority=5,
            expiration=datetime.timedelta(seconds=2),
            mandatory=True,
        )(_handle)
        broker.publisher("plain-out")
    else:
        # Each client's own name for the SASL password (librdkafka's is ``sasl.password``).
        secret = "sasl_password" if kind == "confluent" else "sasl_plain_password"
        broker = m.KafkaBroker(["k1:9092", "k2:9092"], **{secret: "pw-secret"})
        broker.subscriber("orders", group_id="billing")(_handle)
        broker.subscriber("a", "b")(_handle)
        broker.publisher("out", key="k")(_handle)
    return broker


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize("version", VERSIONS)
def test_valid_for_every_broker(kind: str, version: str) -> None:
    doc = get_app_schema(build(kind), version)
    validate(doc)
    assert "pw-secret" not in to_json(doc)


def test_each_subscriber_and_publisher_is_a_channel(kind: str) -> None:
    broker = build(kind)
    doc = get_app_schema(broker, "3.0.0")
    expected = sum(
        len(getattr(s.spec, "topics", ())) if len(getattr(s.spec, "topics", ())) > 1 else 1
        for s in broker.subscribers
    ) + len(broker.publishers)
    assert len(doc["channels"]) == expected
    assert len(doc["operations"]) == expected
    actions = sorted(op["action"] for op in doc["operations"].values())
    assert actions.count("send") == len(broker.publishers)
    for name, channel in doc["channels"].items():
        (message_ref,) = channel["messages"].values()
        message = doc["components"]["messages"][message_ref["$ref"].rsplit("/", 1)[1]]
        if doc["operations"][name]["action"] == "receive":
            assert message["payload"] == {"$ref": "#/components/schemas/Order"}
            assert "x-trace" in json.dumps(doc["components"]["schemas"])
            assert channel["description"] == "Take an order."


def test_servers_for_every_broker(kind: str) -> None:
    doc = get_app_schema(build(kind), "3.0.0")
    protocol = {"redis": "redis", "nats": "nats", "rabbit": "amqp"}.get(kind, "kafka")
    servers = list(doc["servers"].values())
    assert servers and all(s["protocol"] == protocol for s in servers)
    hosts = {s["host"] for s in servers}
    expected = {
        "redis": {"localhost:6379"},
        "nats": {"n1:4222", "n2:4222"},
        "rabbit": {"rabbit:5672"},
        "kafka": {"k1:9092", "k2:9092"},
        "confluent": {"k1:9092", "k2:9092"},
    }[kind]
    assert hosts == expected


def test_served_by_every_stream_router(kind: str) -> None:
    m = importlib.import_module(f"faststream_fastapi.{kind}.fastapi")
    router_cls = next(getattr(m, n) for n in dir(m) if n.endswith("Router"))
    router = router_cls()
    router.subscriber("orders")(_handle)
    app = FastAPI(title="Svc")
    app.include_router(router)
    client = TestClient(app)
    for version in VERSIONS:
        doc = client.get("/asyncapi.json").json()
        assert doc["info"]["title"] == "Svc"
        assert any(c["address"] == "orders" for c in doc["channels"].values())
        validate(doc)
        validate(get_app_schema(app, version))


def test_nats_bindings() -> None:
    doc = get_app_schema(build("nats"), "3.0.0")
    channels, operations = doc["channels"], doc["operations"]
    core = channels["orders.region__handle"]
    assert core["address"] == "orders.{region}"
    assert set(core["parameters"]) == {"region"}
    assert core["bindings"]["nats"]["subject"] == "orders.*"
    assert operations["orders.region__handle"]["bindings"] == {
        "nats": {"queue": "workers", "bindingVersion": "0.1.0"}
    }
    js = channels["js.orders__handle"]["bindings"]["nats"]
    assert js == {
        "subject": "js.orders",
        "stream": "ORDERS",
        "durable": "d",
        "pull": True,
        "bindingVersion": "custom",
    }
    assert channels["out_Publisher"]["bindings"]["nats"]["stream"] == "ORDERS"


def test_rabbit_bindings() -> None:
    doc = get_app_schema(build("rabbit"), "3.0.0")
    channels, operations = doc["channels"], doc["operations"]
    queue = channels["orders__handle"]["bindings"]["amqp"]
    assert queue == {
        "is": "queue",
        "queue": {
            "name": "orders",
            "durable": True,
            "exclusive": False,
            "autoDelete": False,
            "vhost": "shop",
        },
        "x-exchange": {
            "name": "orders-x",
            "type": "topic",
            "durable": True,
            "autoDelete": False,
            "vhost": "shop",
        },
        "x-routingKey": "orders.*",
        "bindingVersion": "0.3.0",
    }
    assert "x-exchange" not in channels["plain__handle"]["bindings"]["amqp"]
    publisher = channels["orders.new_Publisher"]["bindings"]["amqp"]
    assert publisher["is"] == "routingKey"
    assert publisher["exchange"]["name"] == "orders-x"
    assert operations["orders.new_Publisher"]["bindings"]["amqp"] == {
        "cc": ["orders.new"],
        "deliveryMode": 2,
        "mandatory": True,
        "priority": 5,
        "expiration": 2000,
        "bindingVersion": "0.3.0",
    }
    default = channels["plain-out_Publisher"]["bindings"]["amqp"]["exchange"]
    assert default == {"type": "default", "vhost": "shop"}


@pytest.mark.parametrize("kind", ["kafka", "confluent"])
def test_kafka_bindings(kind: str) -> None:
    doc = get_app_schema(build(kind), "3.0.0")
    channels, operations = doc["channels"], doc["operations"]
    assert channels["orders__handle"]["bindings"]["kafka"] == {
        "topic": "orders",
        "bindingVersion": "0.4.0",
    }
    assert operations["orders__handle"]["bindings"]["kafka"] == {
        "groupId": {"type": "string", "enum": ["billing"]},
        "bindingVersion": "0.4.0",
    }
    # A subscription to two topics is two channels.
    assert channels["a__handle"]["address"] == "a"
    assert channels["b__handle"]["bindings"]["kafka"]["topic"] == "b"
    message = doc["components"]["messages"]["out_Publisher.Message"]
    assert message["bindings"]["kafka"]["key"] == {"type": "string", "enum": ["k"]}

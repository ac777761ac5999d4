"""The 2.6.0 document as FastStream 0.5 wrote it: its object, names and servers."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from faststream_fastapi import FastStream
from faststream_fastapi.asyncapi import generate
from faststream_fastapi.asyncapi.schema import (
    AsyncAPISchema,
    Contact,
    ExternalDocs,
    License,
    Tag,
    get_app_schema,
)
from faststream_fastapi.kafka import KafkaBroker
from faststream_fastapi.rabbit import RabbitBroker, RabbitExchange, RabbitQueue
from faststream_fastapi.redis import RedisBroker
from faststream_fastapi.redis.fastapi import RedisRouter as RedisStreamRouter
from faststream_fastapi.security import SASLPlaintext

REF = "#/components/schemas/"


class Order(BaseModel):
    id: int
    item: str = ""


def orders_broker() -> RedisBroker:
    broker = RedisBroker("redis://localhost:6379")

    @broker.subscriber("orders")
    @broker.publisher("shipments")
    async def take_order(order: Order) -> Order:
        return order

    @broker.subscriber("pairs")
    async def count_pair(left: str, right: int) -> None: ...

    @broker.subscriber("ticks")
    async def on_tick() -> None: ...

    @broker.subscriber("numbers")
    async def add_one(n: int) -> None: ...

    broker.publisher("untyped")
    return broker


def test_the_default_is_2_6_0_and_the_object_is_a_dict_with_0_5_writers() -> None:
    doc = get_app_schema(orders_broker())
    assert isinstance(doc, dict) and isinstance(doc, AsyncAPISchema)
    assert doc["asyncapi"] == "2.6.0"
    assert doc.channels is doc["channels"]
    plain = doc.to_jsonable()
    assert type(plain) is dict and plain == doc
    assert json.loads(doc.to_json()) == plain
    assert yaml.safe_load(doc.to_yaml()) == plain
    assert generate.get_app_schema is get_app_schema


def test_version_3_keeps_its_own_names() -> None:
    doc = get_app_schema(orders_broker(), version="3.0.0")
    assert doc["asyncapi"] == "3.0.0"
    assert "orders_take_order" in doc["channels"]
    assert doc["operations"]["orders_take_order"]["action"] == "receive"


def test_subscriber_channel_message_and_payload_names() -> None:
    doc = get_app_schema(orders_broker())
    channel = doc["channels"]["orders:TakeOrder"]
    assert channel["servers"] == ["development"]
    assert channel["subscribe"]["message"] == {
        "$ref": "#/components/messages/orders:TakeOrder:Message"
    }
    message = doc["components"]["messages"]["orders:TakeOrder:Message"]
    assert message["title"] == "orders:TakeOrder:Message"
    assert message["correlationId"] == {"location": "$message.header#/correlation_id"}
    # A model is its own schema; other payloads are titled after the handler.
    assert message["payload"] == {"$ref": REF + "Order"}
    schemas = doc["components"]["schemas"]
    assert schemas["Order"]["properties"]["id"] == {"title": "Id", "type": "integer"}
    pair = doc["components"]["messages"]["pairs:CountPair:Message"]["payload"]
    assert pair == {"$ref": REF + "CountPair:Message:Payload"}
    assert schemas["CountPair:Message:Payload"] == {
        "properties": {
            "left": {"title": "Left", "type": "string"},
            "right": {"title": "Right", "type": "integer"},
        },
        "required": ["left", "right"],
        "title": "CountPair:Message:Payload",
        "type": "object",
    }
    assert schemas["AddOne:Message:Payload"] == {
        "title": "AddOne:Message:Payload",
        "type": "integer",
    }
    assert schemas["EmptyPayload"] == {"title": "EmptyPayload", "type": "null"}


def test_publisher_names() -> None:
    doc = get_app_schema(orders_broker())
    channel = doc["channels"]["shipments:Publisher"]
    assert "subscribe" not in channel
    assert channel["publish"]["message"] == {
        "$ref": "#/components/messages/shipments:Publisher:Message"
    }
    messages = doc["components"]["messages"]
    assert messages["shipments:Publisher:Message"]["payload"] == {"$ref": REF + "Order"}
    # Nothing says what an undecorated publisher sends: an empty schema.
    assert messages["untyped:Publisher:Message"]["payload"] == {
        "$ref": REF + "untyped:PublisherPayload"
    }
    assert doc["components"]["schemas"]["untyped:PublisherPayload"] == {}


def test_typed_publisher_and_titles() -> None:
    broker = KafkaBroker("kafka:9092")

    @broker.subscriber("in", title="Intake", description="Takes things")
    @broker.publisher("out", title="Outlet")
    async def handle(n: int) -> str:
        return str(n)

    broker.publisher("counts", schema=int)
    doc = get_app_schema(broker)
    assert set(doc["channels"]) == {"Intake", "Outlet", "counts:Publisher"}
    assert doc["channels"]["Intake"]["description"] == "Takes things"
    schemas = doc["components"]["schemas"]
    assert schemas["Intake:Message:Payload"] == {
        "title": "Intake:Message:Payload",
        "type": "integer",
    }
    assert schemas["Outlet:Message:Payload"] == {
        "title": "Outlet:Message:Payload",
        "type": "string",
    }
    assert schemas["counts:Publisher:Message:Payload"]["type"] == "integer"
    assert doc["channels"]["Intake"]["bindings"]["kafka"]["topic"] == "in"


def test_rabbit_names_carry_the_exchange() -> None:
    broker = RabbitBroker("amqp://localhost:5672/")
    exchange = RabbitExchange("events")

    @broker.subscriber("plain")
    async def on_plain(x: int) -> None: ...

    @broker.subscriber(RabbitQueue("bound", routing_key="key.*"), exchange)
    @broker.publisher("done", exchange=exchange)
    async def on_bound(x: int) -> int:
        return x

    doc = get_app_schema(broker)
    assert set(doc["channels"]) == {
        "plain:_:OnPlain",
        "bound:events:OnBound",
        "done:events:Publisher",
    }
    assert doc["servers"]["development"]["protocolVersion"] == "0.9.1"


def test_a_filter_group_is_one_channel_with_each_handlers_payload() -> None:
    broker = RedisBroker()
    sub = broker.subscriber("jobs")

    @sub(filter=lambda m: m.headers.get("kind") == "n")
    async def handle_number(n: int) -> None: ...

    @sub
    async def handle_text(text: str) -> None: ...

    doc = get_app_schema(broker)
    assert list(doc["channels"]) == ["jobs:HandleNumber"]
    payload = doc["components"]["messages"]["jobs:HandleNumber:Message"]["payload"]
    assert payload == {
        "oneOf": [
            {"$ref": REF + "HandleNumber:Message:Payload"},
            {"$ref": REF + "HandleText:Message:Payload"},
        ]
    }
    # The 3.0.0 document still has a channel per handler.
    assert len(get_app_schema(broker, "3.0.0")["channels"]) == 2


class Cat(BaseModel):
    kind: Literal["cat"]


class Dog(BaseModel):
    kind: Literal["dog"]


def test_a_discriminated_union_is_written_as_0_5_did() -> None:
    broker = RedisBroker()

    @broker.subscriber("pets")
    async def handle(pet: Annotated[Cat | Dog, Field(discriminator="kind")]) -> None: ...

    doc = get_app_schema(broker)
    payload = doc["components"]["messages"]["pets:Handle:Message"]["payload"]
    assert payload["oneOf"] == [{"$ref": REF + "Cat"}, {"$ref": REF + "Dog"}]
    assert payload["discriminator"] == "kind"
    # 3.0.0 keeps the full discriminator, its mapping pointing at the components.
    v3 = get_app_schema(broker, "3.0.0")
    (schema,) = [m["payload"] for m in v3["components"]["messages"].values()]
    assert schema["discriminator"]["mapping"] == {"cat": REF + "Cat", "dog": REF + "Dog"}


def test_include_in_schema_false_leaves_channels_out() -> None:
    broker = KafkaBroker()

    @broker.subscriber("hidden", include_in_schema=False)
    @broker.publisher("hidden-out", include_in_schema=False)
    async def handle(x: int) -> int:
        return x

    for version in ("2.6.0", "3.0.0"):
        assert get_app_schema(broker, version)["channels"] == {}


def test_broker_keywords_describe_the_servers() -> None:
    broker = KafkaBroker(
        ["kafka-1:9092", "kafka-2:9092"],
        description="Events cluster",
        protocol="kafka-secure",
        protocol_version="3.6",
        tags=[Tag(name="events", description="All of them"), {"name": "raw"}],
        asyncapi_url=["public-1:9092", "public-2:9092"],
        security=SASLPlaintext("svc", "secret", use_ssl=True),
    )
    doc = get_app_schema(FastStream(broker))
    expected = {
        "protocol": "kafka-secure",
        "protocolVersion": "3.6",
        "description": "Events cluster",
        "tags": [{"name": "events", "description": "All of them"}, {"name": "raw"}],
        "security": [{"user-password": []}],
    }
    assert doc["servers"] == {
        "Server1": {"url": "public-1:9092", **expected},
        "Server2": {"url": "public-2:9092", **expected},
    }
    assert doc["components"]["securitySchemes"] == {"user-password": {"type": "userPassword"}}
    assert "secret" not in doc.to_json()
    v3 = get_app_schema(broker, "3.0.0")
    assert {s["host"] for s in v3["servers"].values()} == {"public-1:9092", "public-2:9092"}


def test_default_protocol_versions() -> None:
    versions = {
        cls.__name__: get_app_schema(cls())["servers"]["development"]["protocolVersion"]
        for cls in (KafkaBroker, RedisBroker, RabbitBroker)
    }
    assert versions == {"KafkaBroker": "auto", "RedisBroker": "custom", "RabbitBroker": "0.9.1"}


def test_info_objects_as_0_5_takes_them() -> None:
    app = FastStream(
        RedisBroker(),
        title="Shop",
        version="1.2.0",
        contact=Contact(name="support", url="https://help.example.com", email="a@example.com"),
        license=License(name="MIT", url="https://opensource.org/license/mit/"),
        tags=[Tag(name="shop", externalDocs=ExternalDocs(url="https://docs.example.com"))],
        external_docs={"url": "https://example.com/docs", "x-audience": "ops"},
        identifier="shop-service",
    )
    doc = get_app_schema(app)
    assert doc["info"] == {
        "title": "Shop",
        "version": "1.2.0",
        "description": "",
        "contact": {
            "name": "support",
            "url": "https://help.example.com/",
            "email": "a@example.com",
        },
        "license": {"name": "MIT", "url": "https://opensource.org/license/mit/"},
    }
    assert doc["tags"] == [{"name": "shop", "externalDocs": {"url": "https://docs.example.com/"}}]
    assert doc["externalDocs"] == {"url": "https://example.com/docs", "x-audience": "ops"}
    assert doc["id"] == "shop-service"
    # 3.0.0 wants a URI there.
    assert "id" not in get_app_schema(app, "3.0.0")


@pytest.mark.parametrize("bad", [{"url": "https://x.example"}, {"name": 3}])
def test_info_objects_validate(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Contact(**bad)


def test_stream_router_keywords_reach_its_document() -> None:
    router = RedisStreamRouter(
        "redis://localhost:6379",
        description="Cache",
        protocol="redis-custom",
        protocol_version="7",
        asyncapi_tags=[{"name": "cache"}],
        asyncapi_url="redis://public:6379",
        asyncapi_version="2.6.0",
    )

    @router.subscriber("in")
    async def handle_it(x: int) -> None: ...

    app = FastAPI()
    app.include_router(router)
    doc = TestClient(app).get("/asyncapi.json").json()
    assert doc["servers"]["development"] == {
        "url": "redis://public:6379",
        "protocol": "redis-custom",
        "protocolVersion": "7",
        "description": "Cache",
        "tags": [{"name": "cache"}],
    }
    assert list(doc["channels"]) == ["in:HandleIt"]
    assert doc == get_app_schema(router).to_jsonable()


def test_routers_left_out_of_the_document() -> None:
    from faststream_fastapi.redis import RedisRouter

    broker = RedisBroker()
    hidden = RedisRouter(include_in_schema=False)
    shown, left_out = RedisRouter(), RedisRouter()
    inner = RedisRouter()

    @hidden.subscriber("a")
    @hidden.publisher("a-out")
    async def in_hidden(x: int) -> int:
        return x

    @inner.subscriber("b")
    async def in_inner(x: int) -> None: ...

    @left_out.subscriber("c")
    async def in_left_out(x: int) -> None: ...

    @shown.subscriber("d")
    async def in_shown(x: int) -> None: ...

    shown.include_router(hidden)
    shown.include_router(inner, include_in_schema=False)
    broker.include_router(shown)
    broker.include_router(left_out, include_in_schema=False)
    for version in ("2.6.0", "3.0.0"):
        channels = get_app_schema(broker, version)["channels"]
        assert len(channels) == 1, channels
    assert list(get_app_schema(broker)["channels"]) == ["d:InShown"]
    assert len(broker.subscribers) == 4  # they still consume

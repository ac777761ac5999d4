"""``get_app_schema``: what the document says about handlers, apps and servers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

import fastapi
import jsonschema
import pytest
import yaml
from fastapi import Body, Depends, FastAPI, Header
from pydantic import BaseModel, Field

from faststream_fastapi.asyncapi import get_app_schema, to_json, to_yaml
from faststream_fastapi.redis import ListSub, RedisBroker, RedisRouter, StreamSub
from faststream_fastapi.redis.fastapi import RedisRouter as RedisStreamRouter

SCHEMAS = Path(__file__).parent / "schemas"


def validate(document: dict[str, Any]) -> None:
    """Raise unless ``document`` is valid against the official JSON Schema of its version."""
    schema = json.loads((SCHEMAS / f"{document['asyncapi']}.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    errors = sorted(cls(schema).iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors)


class Order(BaseModel):
    """An order placed in the shop."""

    id: int = Field(description="The order number")
    item: str = Field(description="What was ordered")
    quantity: int = 1


def tenant(x_tenant: Annotated[str, Header(description="Who sent it")]) -> str:
    return x_tenant


def traced(
    t: Annotated[str, Depends(tenant)],
    trace: Annotated[str | None, Header(alias="X-Trace-Id")] = None,
) -> str:
    return t


def shop_broker() -> RedisBroker:
    broker = RedisBroker("redis://user:s3cret@redis.example:6380/2?password=hunter2&db=2")

    @broker.subscriber("orders")
    @broker.publisher("shipments", description="Orders ready to ship")
    async def place(order: Order, who: Annotated[str, Depends(traced)]) -> Order:
        """Place an order and hand it to shipping."""
        return order

    @broker.subscriber(list="jobs")
    async def job(size: int, label: str = "none", weight: int | float = 1.5) -> None:
        """Run a job."""

    @broker.subscriber(stream=StreamSub("events", group="g1", consumer="c1"))
    async def event(raw: bytes) -> None: ...

    @broker.subscriber("logs.{level}")
    async def log(text: str) -> None: ...

    return broker


@pytest.mark.parametrize("version", ["3.0.0", "2.6.0"])
def test_documents_are_valid(version: str) -> None:
    doc = get_app_schema(shop_broker(), version)
    assert doc["asyncapi"] == version
    validate(doc)
    # Plain JSON and YAML round trips.
    assert json.loads(to_json(doc)) == doc
    assert yaml.safe_load(to_yaml(doc)) == doc


def test_validation_catches_invalid_documents() -> None:
    """The validator is not vacuous: a broken document fails it."""
    doc = get_app_schema(shop_broker(), "3.0.0")
    doc["operations"]["orders_place"]["action"] = "consume"
    with pytest.raises(AssertionError, match="action"):
        validate(doc)


def test_v3_channels_operations_and_messages() -> None:
    doc = get_app_schema(shop_broker(), "3.0.0")
    channels, operations = doc["channels"], doc["operations"]
    assert set(channels) == {
        "orders_place",
        "jobs_job",
        "events_event",
        "logs.level_log",
        "shipments_Publisher",
    }
    assert channels["orders_place"]["address"] == "orders"
    assert channels["logs.level_log"]["address"] == "logs.{level}"
    assert set(channels["logs.level_log"]["parameters"]) == {"level"}
    assert operations["orders_place"]["action"] == "receive"
    assert operations["shipments_Publisher"]["action"] == "send"
    assert operations["orders_place"]["channel"] == {"$ref": "#/channels/orders_place"}
    (ref,) = operations["orders_place"]["messages"]
    assert ref == {"$ref": "#/channels/orders_place/messages/orders_place.Message"}
    assert channels["orders_place"]["messages"]["orders_place.Message"] == {
        "$ref": "#/components/messages/orders_place.Message"
    }
    # Docstrings and descriptions.
    assert channels["orders_place"]["description"] == "Place an order and hand it to shipping."
    assert operations["orders_place"]["description"] == "Place an order and hand it to shipping."
    assert channels["shipments_Publisher"]["description"] == "Orders ready to ship"


def test_payload_of_a_pydantic_model() -> None:
    doc = get_app_schema(shop_broker(), "3.0.0")
    message = doc["components"]["messages"]["orders_place.Message"]
    assert message["payload"] == {"$ref": "#/components/schemas/Order"}
    order = doc["components"]["schemas"]["Order"]
    assert order["description"] == "An order placed in the shop."
    assert order["properties"]["id"]["description"] == "The order number"
    assert order["properties"]["quantity"]["default"] == 1
    assert order["required"] == ["id", "item"]


def test_payload_of_several_scalars_with_defaults_and_unions() -> None:
    doc = get_app_schema(shop_broker(), "3.0.0")
    payload = doc["components"]["messages"]["jobs_job.Message"]["payload"]
    schema = doc["components"]["schemas"][payload["$ref"].rsplit("/", 1)[1]]
    assert schema["type"] == "object"
    assert schema["required"] == ["size"]
    props = schema["properties"]
    assert props["size"]["type"] == "integer"
    assert props["label"] == {"default": "none", "title": "Label", "type": "string"}
    assert props["weight"]["anyOf"] == [{"type": "integer"}, {"type": "number"}]
    assert props["weight"]["default"] == 1.5


def test_payload_of_bytes_and_text() -> None:
    messages = get_app_schema(shop_broker(), "3.0.0")["components"]["messages"]
    raw = messages["events_event.Message"]
    assert raw["payload"]["type"] == "string"
    assert raw["payload"]["format"] == "binary"
    assert raw["contentType"] == "application/octet-stream"
    text = messages["logs.level_log.Message"]
    assert text["payload"]["type"] == "string"
    assert text["contentType"] == "text/plain"


def test_headers_come_from_header_params_of_sub_dependencies() -> None:
    doc = get_app_schema(shop_broker(), "3.0.0")
    headers = doc["components"]["messages"]["orders_place.Message"]["headers"]
    schema = doc["components"]["schemas"][headers["$ref"].rsplit("/", 1)[1]]
    assert schema["type"] == "object"
    assert set(schema["properties"]) == {"x-tenant", "X-Trace-Id"}
    assert schema["properties"]["x-tenant"]["description"] == "Who sent it"
    assert schema["required"] == ["x-tenant"]
    # A handler without Header() parameters has no headers schema.
    assert "headers" not in doc["components"]["messages"]["jobs_job.Message"]


def test_body_field_descriptions_and_embedded_body() -> None:
    broker = RedisBroker()

    @broker.subscriber("in")
    async def single(
        note: Annotated[str, Body(description="A note", examples=["hi"])] = "x",
    ) -> None: ...

    @broker.subscriber("embedded")
    async def embedded(order: Annotated[Order, Body(embed=True)]) -> None: ...

    doc = get_app_schema(broker, "3.0.0")
    validate(doc)
    payload = doc["components"]["messages"]["in_single.Message"]["payload"]
    assert payload["description"] == "A note"
    assert payload["default"] == "x"
    assert payload["examples"] == ["hi"]
    embedded_ref = doc["components"]["messages"]["embedded_embedded.Message"]["payload"]["$ref"]
    wrapper = doc["components"]["schemas"][embedded_ref.rsplit("/", 1)[1]]
    assert wrapper["properties"]["order"] == {"$ref": "#/components/schemas/Order"}


def test_publisher_payload_from_return_annotation_or_schema() -> None:
    broker = RedisBroker()
    explicit = broker.publisher("explicit", schema=Order)
    literal = broker.publisher("literal", schema={"type": "string", "title": "Note"})
    broker.publisher("unknown")

    @broker.subscriber("a")
    @broker.publisher("returned")
    async def handler(x: int) -> Order:
        return Order(id=x, item="i")

    assert explicit and literal
    messages = get_app_schema(broker, "3.0.0")["components"]["messages"]
    assert messages["returned_Publisher.Message"]["payload"] == {
        "$ref": "#/components/schemas/Order"
    }
    assert messages["explicit_Publisher.Message"]["payload"] == {
        "$ref": "#/components/schemas/Order"
    }
    assert messages["literal_Publisher.Message"]["payload"] == {"type": "string", "title": "Note"}
    assert messages["unknown_Publisher.Message"]["payload"] == {}


def _item(field: str) -> Any:
    return type("Item", (BaseModel,), {"__annotations__": {field: int}, "__module__": __name__})


FirstItem = _item("a")
SecondItem = _item("b")
T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]


def test_models_with_the_same_name_do_not_collide() -> None:
    broker = RedisBroker()

    @broker.subscriber("one")
    async def one(item: FirstItem) -> None: ...

    @broker.subscriber("two")
    async def two(item: SecondItem) -> None: ...

    doc = get_app_schema(broker, "3.0.0")
    validate(doc)
    messages = doc["components"]["messages"]
    ref_one = messages["one_one.Message"]["payload"]["$ref"]
    ref_two = messages["two_two.Message"]["payload"]["$ref"]
    assert ref_one != ref_two
    schemas = doc["components"]["schemas"]
    assert set(schemas[ref_one.rsplit("/", 1)[1]]["properties"]) == {"a"}
    assert set(schemas[ref_two.rsplit("/", 1)[1]]["properties"]) == {"b"}


def test_generic_model_names_are_safe_component_keys() -> None:
    broker = RedisBroker()

    @broker.subscriber("pages")
    async def pages(page: Page[Order]) -> None: ...

    doc = get_app_schema(broker, "3.0.0")
    validate(doc)
    for name in doc["components"]["schemas"]:
        assert all(c.isalnum() or c in "._-" for c in name), name
    ref = doc["components"]["messages"]["pages_pages.Message"]["payload"]["$ref"]
    assert ref.rsplit("/", 1)[1] in doc["components"]["schemas"]


def test_titles_name_channels() -> None:
    broker = RedisBroker()

    @broker.subscriber("in", title="Incoming", description="Explicit description")
    async def handler(x: int) -> None:
        """Docstring loses to the explicit description."""

    doc = get_app_schema(broker, "3.0.0")
    assert doc["channels"]["Incoming"]["title"] == "Incoming"
    assert doc["channels"]["Incoming"]["description"] == "Explicit description"
    v2 = get_app_schema(broker, "2.6.0")
    assert v2["channels"]["Incoming"]["description"] == "Explicit description"


def test_v2_operations_as_faststream_05_wrote_them() -> None:
    """2.6.0 as FastStream 0.5 wrote it: a subscriber's channel has ``subscribe``,
    a publisher's ``publish`` (the reverse of the 2.x specification's meaning)."""
    doc = get_app_schema(shop_broker(), "2.6.0")
    channels = doc["channels"]
    assert set(channels["orders:Place"]) >= {"subscribe", "description", "bindings"}
    assert "publish" not in channels["orders:Place"]
    assert set(channels["shipments:Publisher"]) >= {"publish"}
    assert channels["orders:Place"]["subscribe"]["message"] == {
        "$ref": "#/components/messages/orders:Place:Message"
    }
    # A pattern is named by the glob subscribed to, as FastStream 0.5 named it.
    assert channels["logs.*:Log"]["bindings"]["redis"]["channel"] == "logs.*"
    assert doc["servers"]["development"] == {
        "url": "redis://redis.example:6380/2?db=2",
        "protocol": "redis",
        "protocolVersion": "custom",
    }


def test_redis_bindings() -> None:
    doc = get_app_schema(shop_broker(), "3.0.0")
    channels = doc["channels"]
    assert channels["orders_place"]["bindings"]["redis"] == {
        "channel": "orders",
        "method": "subscribe",
        "bindingVersion": "custom",
    }
    assert channels["logs.level_log"]["bindings"]["redis"]["method"] == "psubscribe"
    assert channels["jobs_job"]["bindings"]["redis"]["method"] == "lpop"
    assert channels["events_event"]["bindings"]["redis"] == {
        "channel": "events",
        "method": "xreadgroup",
        "groupName": "g1",
        "consumerName": "c1",
        "bindingVersion": "custom",
    }
    assert channels["shipments_Publisher"]["bindings"]["redis"]["method"] == "publish"

    broker = RedisBroker()
    broker.publisher(list=ListSub("queue"))
    broker.publisher(stream=StreamSub("log", maxlen=10))
    out = get_app_schema(broker, "3.0.0")["channels"]
    assert out["queue_Publisher"]["bindings"]["redis"]["method"] == "rpush"
    assert out["log_Publisher"]["bindings"]["redis"]["method"] == "xadd"
    assert out["log_Publisher"]["bindings"]["redis"]["maxlen"] == 10


@pytest.mark.parametrize(
    "url",
    [
        "redis://user:s3cret@redis.example:6380/2?password=hunter2",
        "redis://:s3cret@redis.example:6380/2?token=hunter2&api_key=hunter2",
    ],
)
def test_servers_never_show_credentials(url: str) -> None:
    broker = RedisBroker(url)
    for version in ("3.0.0", "2.6.0"):
        text = to_json(get_app_schema(broker, version))
        assert "s3cret" not in text
        assert "hunter2" not in text
        assert "user" not in text
    server = get_app_schema(broker, "3.0.0")["servers"]["development"]
    assert server == {"host": "redis.example:6380", "protocol": "redis", "pathname": "/2"}


def test_info_from_a_fastapi_app() -> None:
    router = RedisStreamRouter("redis://localhost:6379")

    @router.subscriber("orders")
    async def handler(order: Order) -> None: ...

    app = FastAPI(
        title="Shop",
        version="2.1.0",
        description="Takes orders.",
        terms_of_service="https://example.com/terms",
        contact={"name": "Shop team", "url": "https://example.com", "email": "shop@example.com"},
        license_info={"name": "MIT", "url": "https://opensource.org/licenses/MIT"},
        openapi_tags=[
            {
                "name": "orders",
                "description": "Order handling",
                "externalDocs": {"url": "https://example.com/orders"},
            }
        ],
        openapi_external_docs={"url": "https://example.com/docs", "description": "Docs"},
    )
    app.include_router(router)
    for target, kwargs in ((router, {"app": app}), (app, {})):
        doc = get_app_schema(target, "3.0.0", **kwargs)
        validate(doc)
        info = doc["info"]
        assert info["title"] == "Shop"
        assert info["version"] == "2.1.0"
        assert info["description"] == "Takes orders."
        assert info["termsOfService"] == "https://example.com/terms"
        assert info["contact"]["email"] == "shop@example.com"
        assert info["license"] == {"name": "MIT", "url": "https://opensource.org/licenses/MIT"}
        assert info["tags"] == [
            {
                "name": "orders",
                "description": "Order handling",
                "externalDocs": {"url": "https://example.com/orders"},
            }
        ]
        assert info["externalDocs"] == {"url": "https://example.com/docs", "description": "Docs"}
        assert set(doc["channels"]) == {"orders_handler"}
    v2 = get_app_schema(app, "2.6.0")
    validate(v2)
    assert v2["tags"][0]["name"] == "orders"
    assert v2["externalDocs"]["url"] == "https://example.com/docs"
    assert "tags" not in v2["info"]


def test_info_from_an_app_like_object() -> None:
    """``FastStream`` and ``AsgiFastStream`` are read by their attributes."""

    class Contact(BaseModel):
        name: str
        email: str

    class Service:
        title = "Billing"
        version = "3.0"
        description = "Bills."
        terms_of_service = None
        contact = Contact(name="Billing", email="billing@example.com")
        license = {"name": "Apache-2.0"}
        asyncapi_tags = ["billing", {"name": "money", "description": "Money things"}]
        external_docs = {"url": "https://example.com/billing"}
        identifier = "urn:example:billing"

        def __init__(self) -> None:
            self.broker = shop_broker()

    doc = get_app_schema(Service(), "3.0.0")
    validate(doc)
    assert doc["id"] == "urn:example:billing"
    assert doc["info"]["title"] == "Billing"
    assert doc["info"]["contact"] == {"name": "Billing", "email": "billing@example.com"}
    assert doc["info"]["license"] == {"name": "Apache-2.0"}
    assert doc["info"]["tags"] == [
        {"name": "billing"},
        {"name": "money", "description": "Money things"},
    ]
    assert "orders_place" in doc["channels"]
    validate(get_app_schema(Service(), "2.6.0"))


def test_faststream_app_info() -> None:
    from faststream_fastapi import FastStream

    broker = shop_broker()
    app = FastStream(broker, title="Svc", version="9.9", description="An app")
    doc = get_app_schema(app, "3.0.0")
    validate(doc)
    assert doc["info"]["title"] == "Svc"
    assert doc["info"]["version"] == "9.9"
    assert "orders_place" in doc["channels"]


def test_plain_router_and_nested_stream_routers() -> None:
    plain = RedisRouter(prefix="shop.")

    @plain.subscriber("orders")
    async def handler(order: Order) -> None: ...

    doc = get_app_schema(plain, "3.0.0")
    assert doc["channels"]["shop.orders_handler"]["address"] == "shop.orders"
    assert "servers" not in doc
    validate(doc)

    outer = RedisStreamRouter("redis://localhost:6379")
    inner = RedisStreamRouter("redis://elsewhere:6379")

    @inner.subscriber("inner")
    async def inner_handler(x: int) -> None: ...

    @outer.subscriber("outer")
    async def outer_handler(x: int) -> None: ...

    outer.include_router(inner)
    app = FastAPI()
    app.include_router(outer)
    doc = get_app_schema(app, "3.0.0")
    validate(doc)
    assert set(doc["channels"]) == {"inner_inner_handler", "outer_outer_handler"}
    assert list(doc["servers"]) == ["development"]
    assert doc["servers"]["development"]["host"] == "localhost:6379"


def test_several_brokers_get_their_own_servers() -> None:
    first = RedisBroker("redis://one:6379")
    second = RedisBroker("redis://two:6379")

    @first.subscriber("a")
    async def a(x: int) -> None: ...

    @second.subscriber("b")
    async def b(x: int) -> None: ...

    class Multi:
        brokers = [first, second]

    doc = get_app_schema(Multi(), "3.0.0")
    validate(doc)
    assert {s["host"] for s in doc["servers"].values()} == {"one:6379", "two:6379"}
    assert doc["channels"]["a_a"]["servers"] == [{"$ref": "#/servers/development"}]
    assert doc["channels"]["b_b"]["servers"] == [{"$ref": "#/servers/development-1"}]
    v2 = get_app_schema(Multi(), "2.6.0")
    validate(v2)
    assert v2["channels"]["b:B"]["servers"] == ["development-1"]


def test_unknown_version_is_an_error() -> None:
    with pytest.raises(ValueError, match="unsupported AsyncAPI version"):
        get_app_schema(RedisBroker(), "1.2.0")


def test_hostile_names_stay_valid() -> None:
    broker = RedisBroker()

    @broker.subscriber("a b<c>|d\\e", title="t\"'%{x}")
    async def handler(x: int) -> None: ...

    validate(get_app_schema(broker, "3.0.0"))
    v2 = get_app_schema(broker, "2.6.0")
    validate(v2)
    (key,) = v2["channels"]
    assert key == "t%22%27%25{x}"
    assert set(v2["channels"][key]["parameters"]) == {"x"}


def test_handlers_without_a_body() -> None:
    broker = RedisBroker()

    @broker.subscriber("ping")
    async def ping() -> None: ...

    @broker.subscriber("logs.{level}")
    async def log(
        level: Annotated[str, fastapi.Path()], x_id: Annotated[str, Header()]
    ) -> None: ...

    doc = get_app_schema(broker, "3.0.0")
    validate(doc)
    messages = doc["components"]["messages"]
    assert messages["ping_ping.Message"]["payload"] == {}
    assert "headers" not in messages["ping_ping.Message"]
    assert messages["logs.level_log.Message"]["payload"] == {}
    assert "headers" in messages["logs.level_log.Message"]


def test_stream_router_alone_takes_info_from_its_app() -> None:
    router = RedisStreamRouter()

    @router.subscriber("in")
    async def handler(x: int) -> None: ...

    assert get_app_schema(router, "3.0.0")["info"]["title"] == "AsyncAPI"
    app = FastAPI(title="Included")
    app.include_router(router)
    assert get_app_schema(router, "3.0.0")["info"]["title"] == "Included"


class Opaque:
    """Not a type pydantic can describe."""


def test_types_without_a_json_schema_do_not_break_the_document() -> None:
    broker = RedisBroker()
    broker.publisher("opaque", schema=Opaque)
    broker.publisher("typed", schema=Order)
    doc = get_app_schema(broker, "3.0.0")
    validate(doc)
    messages = doc["components"]["messages"]
    assert messages["opaque_Publisher.Message"]["payload"] == {"title": "opaque_Publisher:Payload"}
    assert messages["typed_Publisher.Message"]["payload"] == {"$ref": "#/components/schemas/Order"}

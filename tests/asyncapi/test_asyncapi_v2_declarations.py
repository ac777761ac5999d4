"""The 2.6.0 document lists subscriptions as FastStream 0.5 declared them: in the
order written, one channel per subscription, declarations without a handler
included; and its servers, virtual hosts and nested objects read as 0.5's did."""

from __future__ import annotations

from typing import Any

from faststream_fastapi import FastStream
from faststream_fastapi.asyncapi import get_app_schema
from faststream_fastapi.kafka import KafkaBroker, TopicPartition
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.rabbit import RabbitBroker
from faststream_fastapi.redis import RedisBroker


def doc(broker: Any) -> dict[str, Any]:
    return get_app_schema(FastStream(broker)).to_jsonable()


def test_stacked_decorators_are_listed_top_first_in_the_broker_and_the_document() -> None:
    broker = NatsBroker()

    @broker.subscriber("first")
    @broker.subscriber("second")
    async def handle_user_created(msg: str) -> None: ...

    assert [s.spec.subject for s in broker.subscribers] == ["first", "second"]
    assert list(doc(broker)["channels"]) == [
        "first:HandleUserCreated",
        "second:HandleUserCreated",
    ]


def test_a_handler_declared_later_on_an_earlier_subscriber_keeps_its_place() -> None:
    broker = NatsBroker()
    early = broker.subscriber("early")

    @broker.subscriber("late")
    async def late_handler(msg: str) -> None: ...

    @early
    async def early_handler(msg: str) -> None: ...

    assert [s.spec.subject for s in broker.subscribers] == ["early", "late"]
    assert list(doc(broker)["channels"]) == ["early:EarlyHandler", "late:LateHandler"]


def test_a_subscriber_without_a_handler_is_a_channel_with_a_titled_empty_payload() -> None:
    broker = RedisBroker()

    @broker.subscriber("orders")
    async def take_order(n: int) -> None: ...

    broker.subscriber("audit")
    broker.subscriber("archive", title="archive-pull")
    broker.subscriber("hidden", include_in_schema=False)

    schema = doc(broker)
    assert list(schema["channels"]) == ["orders:TakeOrder", "audit:Subscriber", "archive-pull"]
    assert list(schema["components"]["messages"]) == [
        "orders:TakeOrder:Message",
        "audit:Subscriber:Message",
        "archive-pull:Message",
    ]
    schemas = schema["components"]["schemas"]
    assert schemas["Subscriber:Message:Payload"] == {"title": "Subscriber:Message:Payload"}
    assert schemas["archive-pull:Message:Payload"] == {"title": "archive-pull:Message:Payload"}
    assert schema["channels"]["audit:Subscriber"]["bindings"]["redis"]["channel"] == "audit"
    # The 3.0.0 document describes handlers only.
    v3 = get_app_schema(FastStream(broker), version="3.0.0")
    assert list(v3["channels"]) == ["orders_take_order"]


def test_two_subscribers_of_one_subject_are_one_channel_with_both_payloads() -> None:
    broker = NatsBroker()

    @broker.subscriber("users")
    async def handle_user_created(name: str) -> None: ...

    @broker.subscriber("users")
    async def handle_user_id(user_id: int) -> None: ...

    @broker.subscriber("users", queue="workers")
    async def handle_in_group(name: str) -> None: ...

    schema = doc(broker)
    assert list(schema["channels"]) == ["users:HandleUserCreated", "users:HandleInGroup"]
    message = schema["components"]["messages"]["users:HandleUserCreated:Message"]
    assert message["payload"] == {
        "oneOf": [
            {"$ref": "#/components/schemas/HandleUserCreated:Message:Payload"},
            {"$ref": "#/components/schemas/HandleUserId:Message:Payload"},
        ]
    }
    assert schema["components"]["schemas"]["HandleUserId:Message:Payload"]["type"] == "integer"


def test_kafka_without_an_address_is_localhost_as_in_0_5() -> None:
    broker = KafkaBroker()
    assert broker.bootstrap_servers == "localhost"
    assert doc(broker)["servers"]["development"]["url"] == "localhost"


def test_partitions_of_several_topics_are_a_channel_per_topic() -> None:
    broker = KafkaBroker()

    @broker.subscriber(partitions=[TopicPartition("left", 1), TopicPartition("right", 2)])
    async def handle(msg: str) -> None: ...

    channels = doc(broker)["channels"]
    assert [c["bindings"]["kafka"]["topic"] for c in channels.values()] == ["left", "right"]
    # One consumer of those partitions: one channel in 3.0.0.
    assert len(get_app_schema(broker, version="3.0.0")["channels"]) == 1


def test_urls_keep_their_root_slash_and_vhosts_their_path() -> None:
    assert doc(RedisBroker("redis://localhost:6379/"))["servers"]["development"]["url"] == (
        "redis://localhost:6379/"
    )
    assert doc(RedisBroker("redis://localhost:6379"))["servers"]["development"]["url"] == (
        "redis://localhost:6379"
    )
    broker = RabbitBroker("amqp://guest:guest@localhost:5672/vh")

    @broker.subscriber("q")
    async def handle(msg: str) -> None: ...

    schema = doc(broker)
    assert schema["servers"]["development"]["url"] == "amqp://localhost:5672/vh"
    binding = schema["channels"]["q:_:Handle"]["bindings"]["amqp"]
    assert binding["queue"]["vhost"] == binding["exchange"]["vhost"] == "/vh"
    v3 = get_app_schema(broker, version="3.0.0")
    assert v3["channels"]["q_handle"]["bindings"]["amqp"]["queue"]["vhost"] == "vh"


def test_nested_objects_read_as_attributes() -> None:
    broker = NatsBroker()

    @broker.subscriber("n")
    async def handle(msg: int) -> None: ...

    schema = get_app_schema(FastStream(broker))
    schemas = schema.components.schemas
    assert schemas is schema["components"]["schemas"]
    assert schemas["Handle:Message:Payload"]["type"] == "integer"
    assert schema.channels["n:Handle"].subscribe.message == {
        "$ref": "#/components/messages/n:Handle:Message"
    }
    del schemas["Handle:Message:Payload"]
    assert schema.to_jsonable()["components"]["schemas"] == {}
    assert "schemas: {}" in schema.to_yaml()

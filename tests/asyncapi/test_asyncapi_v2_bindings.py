"""The bindings of the 2.6.0 document as FastStream 0.5 wrote them (3.0.0 keeps its own)."""

from __future__ import annotations

from typing import Any

from faststream_fastapi.asyncapi import get_app_schema
from faststream_fastapi.rabbit import ExchangeType, RabbitBroker, RabbitExchange, RabbitQueue
from faststream_fastapi.redis import RedisBroker, StreamSub


def only_channel(broker: Any, version: str = "2.6.0") -> dict[str, Any]:
    (channel,) = get_app_schema(broker, version)["channels"].values()
    return channel  # type: ignore[no-any-return]


def test_rabbit_queue_through_a_topic_exchange() -> None:
    broker = RabbitBroker("amqp://localhost:5672/orders")

    @broker.subscriber(
        RabbitQueue("paid", auto_delete=True, routing_key="order.paid"),
        RabbitExchange("shop", type=ExchangeType.TOPIC, durable=True),
    )
    async def on_paid(x: int) -> None: ...

    channel = only_channel(broker)
    assert channel["bindings"] == {
        "amqp": {
            "is": "routingKey",
            "bindingVersion": "0.2.0",
            "queue": {
                "name": "paid",
                "durable": False,
                "exclusive": False,
                "autoDelete": True,
                "vhost": "/orders",  # the URL path, as 0.5 wrote it
            },
            "exchange": {
                "type": "topic",
                "name": "shop",
                "durable": True,
                "autoDelete": False,
                "vhost": "/orders",
            },
        }
    }
    assert channel["subscribe"]["bindings"] == {
        "amqp": {"cc": "order.paid", "ack": True, "bindingVersion": "0.2.0"}
    }
    # 3.0.0: the binding's 0.3.0 form.
    assert only_channel(broker, "3.0.0")["bindings"]["amqp"]["is"] == "queue"


def test_rabbit_fanout_and_default_exchanges() -> None:
    broker = RabbitBroker()

    @broker.subscriber("q", RabbitExchange("all", type=ExchangeType.FANOUT))
    async def on_all(x: int) -> None: ...

    channel = only_channel(broker)
    assert channel["bindings"]["amqp"] == {
        "is": "routingKey",
        "bindingVersion": "0.2.0",
        "exchange": {
            "type": "fanout",
            "name": "all",
            "durable": False,
            "autoDelete": False,
            "vhost": "/",
        },
    }
    assert "bindings" not in channel["subscribe"]

    plain = RabbitBroker()
    plain.publisher("out", persist=True, priority=3)
    channel = only_channel(plain)
    assert channel["bindings"]["amqp"]["exchange"] == {"type": "default", "vhost": "/"}
    assert channel["publish"]["bindings"] == {
        "amqp": {
            "ack": True,
            "bindingVersion": "0.2.0",
            "cc": "out",
            "deliveryMode": 2,
            "mandatory": False,
            "priority": 3,
        }
    }


def test_redis_pattern_and_stream_group() -> None:
    broker = RedisBroker()

    @broker.subscriber("logs.{level}")
    async def on_log(text: str, level: str) -> None: ...

    channel = only_channel(broker)
    assert channel["bindings"] == {
        "redis": {"channel": "logs.*", "method": "psubscribe", "bindingVersion": "custom"}
    }
    assert list(get_app_schema(broker)["channels"]) == ["logs.*:OnLog"]

    streams = RedisBroker()

    @streams.subscriber(stream=StreamSub("events", group="g", consumer="c"))
    async def on_event(x: int) -> None: ...

    assert only_channel(streams)["bindings"]["redis"] == {
        "channel": "events",
        "method": "xreadgroup",
        "group_name": "g",
        "consumer_name": "c",
        "bindingVersion": "custom",
    }
    assert only_channel(streams, "3.0.0")["bindings"]["redis"]["groupName"] == "g"


def test_rabbit_publisher_names_without_a_routing_key_through_fanout() -> None:
    broker = RabbitBroker()
    fanout = RabbitExchange("all", type=ExchangeType.FANOUT)
    broker.publisher("ignored", fanout)
    broker.publisher("key", RabbitExchange("direct-ex"))
    channels = get_app_schema(broker)["channels"]
    assert set(channels) == {"_:all:Publisher", "key:direct-ex:Publisher"}
    assert "bindings" not in channels["_:all:Publisher"]["publish"]
    assert channels["key:direct-ex:Publisher"]["publish"]["bindings"]["amqp"]["cc"] == "key"

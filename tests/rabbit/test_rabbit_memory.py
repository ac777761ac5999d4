"""TestRabbitBroker: RabbitMQ's routing rules in memory, and seed 003's testing example."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from fastapi import Header, Path
from pydantic import BaseModel

from faststream_fastapi import AckPolicy
from faststream_fastapi.core.errors import MessageValidationError, PublishError
from faststream_fastapi.rabbit import (
    ExchangeType,
    RabbitBroker,
    RabbitExchange,
    RabbitMessage,
    RabbitQueue,
    RabbitRouter,
    TestRabbitBroker,
    fastapi,
)
from faststream_fastapi.rabbit.testing import headers_match, topic_matches

# -- seed 003, "Testing" -------------------------------------------------------

router = fastapi.RabbitRouter()


@router.subscriber("test")
async def handler(msg: str) -> None: ...


async def test_router() -> None:
    async with TestRabbitBroker(router.broker) as br:
        await br.publish("Hi!", "test")

        handler.mock.assert_called_once_with("Hi!")


# -- routing rules ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("binding", "key", "matches"),
    [
        ("a.b", "a.b", True),
        ("a.*", "a.b", True),
        ("a.*", "a.b.c", False),
        ("a.*", "a", False),
        ("a.#", "a", True),
        ("a.#", "a.b.c", True),
        ("#", "", True),
        ("#", "x.y", True),
        ("#.z", "x.y.z", True),
        ("#.z", "z", True),
        ("#.z", "x.z.y", False),
        ("*.b.#", "a.b", True),
        ("*.b.#", "b", False),
        ("logs.{level}", "logs.info", True),
        ("logs.{level}", "logs.info.x", False),
    ],
)
def test_topic_matching(binding: str, key: str, matches: bool) -> None:
    assert topic_matches(binding, key) is matches


def test_headers_matching() -> None:
    assert headers_match({"x-match": "all", "a": "1", "b": "2"}, {"a": "1", "b": "2", "c": "3"})
    assert not headers_match({"x-match": "all", "a": "1", "b": "2"}, {"a": "1"})
    assert headers_match({"x-match": "any", "a": "1", "b": "2"}, {"b": "2"})
    assert not headers_match({"x-match": "any", "a": "1"}, {"a": "2"})
    assert headers_match({"a": 1}, {"a": "1"})  # default is all; values compare as text
    assert headers_match({"x-match": "any", "a": 2}, {"a": 2})  # ``headers={"a": 2}``


def make_broker() -> tuple[RabbitBroker, dict[str, list[Any]]]:
    broker = RabbitBroker()
    got: dict[str, list[Any]] = {}
    return broker, got


async def test_default_exchange_routes_by_queue_name() -> None:
    broker, got = make_broker()

    @broker.subscriber("orders")
    async def orders(body: dict[str, int]) -> None:
        got.setdefault("orders", []).append(body)

    @broker.subscriber("other")
    async def other(body: dict[str, int]) -> None:
        got.setdefault("other", []).append(body)

    async with TestRabbitBroker(broker) as br:
        await br.publish({"n": 1}, "orders")
        await br.publish({"n": 2}, routing_key="orders")
        await br.publish({"n": 3}, RabbitQueue("orders"))
    assert got == {"orders": [{"n": 1}, {"n": 2}, {"n": 3}]}


async def test_direct_exchange_matches_binding_key() -> None:
    broker, got = make_broker()
    ex = RabbitExchange("direct-ex", type=ExchangeType.DIRECT)

    @broker.subscriber(RabbitQueue("q-red", routing_key="red"), ex)
    async def red(body: str) -> None:
        got.setdefault("red", []).append(body)

    @broker.subscriber("blue", ex)  # binding key defaults to the queue name
    async def blue(body: str) -> None:
        got.setdefault("blue", []).append(body)

    async with TestRabbitBroker(broker) as br:
        await br.publish("r", exchange=ex, routing_key="red")
        await br.publish("b", exchange="direct-ex", routing_key="blue")
        with pytest.raises(PublishError, match="exchange 'direct-ex' with routing key 'green'"):
            await br.publish("none", exchange=ex, routing_key="green")
        await br.publish("q", "q-red")  # default exchange still routes by queue name
    assert got == {"red": ["r", "q"], "blue": ["b"]}


async def test_fanout_reaches_every_bound_queue() -> None:
    broker, got = make_broker()
    ex = RabbitExchange("fan", type=ExchangeType.FANOUT)

    @broker.subscriber("fan-1", ex)
    async def one(body: str) -> None:
        got.setdefault("1", []).append(body)

    @broker.subscriber(RabbitQueue("fan-2", routing_key="ignored"), ex)
    async def two(body: str) -> None:
        got.setdefault("2", []).append(body)

    async with TestRabbitBroker(broker) as br:
        await br.publish("hello", exchange=ex, routing_key="anything")
    assert got == {"1": ["hello"], "2": ["hello"]}


async def test_topic_exchange_with_path_params() -> None:
    broker, got = make_broker()
    ex = RabbitExchange("logs", type=ExchangeType.TOPIC)

    @broker.subscriber(RabbitQueue("by-level", routing_key="logs.{level}"), ex)
    async def by_level(body: str, level: Annotated[str, Path()]) -> None:
        got.setdefault("level", []).append((level, body))

    @broker.subscriber(RabbitQueue("everything", routing_key="logs.#"), ex)
    async def everything(body: str, msg: fastapi.RabbitMessage) -> None:
        got.setdefault("all", []).append(msg.destination)

    async with TestRabbitBroker(broker) as br:
        await br.publish("disk full", exchange=ex, routing_key="logs.error")
        await br.publish("deep", exchange=ex, routing_key="logs.a.b")
        with pytest.raises(PublishError, match="nothing subscribes"):
            await br.publish("other", exchange=ex, routing_key="metrics.cpu")
    assert got == {
        "level": [("error", "disk full")],
        "all": ["logs.error", "logs.a.b"],
    }


async def test_headers_exchange_all_and_any() -> None:
    broker, got = make_broker()
    ex = RabbitExchange("hdrs", type=ExchangeType.HEADERS)

    @broker.subscriber(
        RabbitQueue("h-all", bind_arguments={"x-match": "all", "kind": "pdf", "size": "big"}), ex
    )
    async def all_(body: str) -> None:
        got.setdefault("all", []).append(body)

    @broker.subscriber(
        RabbitQueue("h-any", arguments={"x-match": "any", "kind": "pdf", "size": "big"}), ex
    )
    async def any_(body: str) -> None:
        got.setdefault("any", []).append(body)

    async with TestRabbitBroker(broker) as br:
        await br.publish("both", exchange=ex, headers={"kind": "pdf", "size": "big"})
        await br.publish("one", exchange=ex, headers={"size": "big"})
        with pytest.raises(PublishError, match="nothing subscribes"):
            await br.publish("none", exchange=ex, headers={"kind": "png"})
    assert got == {"all": ["both"], "any": ["both", "one"]}


async def test_competing_consumers_of_one_queue_get_each_message_once() -> None:
    broker, got = make_broker()

    @broker.subscriber("work")
    async def first(body: int) -> None:
        got.setdefault("work", []).append(body)

    @broker.subscriber("work")
    async def second(body: int) -> None:
        got.setdefault("work", []).append(body)

    async with TestRabbitBroker(broker) as br:
        for i in range(5):
            await br.publish(i, "work")
    assert got == {"work": [0, 1, 2, 3, 4]}


class Order(BaseModel):
    id: int
    sku: str


async def test_model_header_reply_and_publisher() -> None:
    broker = RabbitBroker()
    seen: list[Any] = []

    @broker.subscriber("in")
    @broker.publisher("out")
    async def handle(order: Order, x_tenant: Annotated[str, Header()]) -> dict[str, Any]:
        return {"id": order.id, "tenant": x_tenant}

    @broker.subscriber("out")
    async def sink(body: dict[str, Any], msg: fastapi.RabbitMessage) -> None:
        seen.append((body, msg.correlation_id))

    async with TestRabbitBroker(broker) as br:
        reply = await br.request(
            Order(id=7, sku="x"), "in", headers={"X-Tenant": "acme"}, correlation_id="c-1"
        )
        assert reply.decode() == {"id": 7, "tenant": "acme"}
        assert reply.correlation_id == "c-1"
    assert seen == [({"id": 7, "tenant": "acme"}, "c-1")]


async def test_invalid_message_raises_in_memory() -> None:
    broker = RabbitBroker()

    @broker.subscriber("orders", ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(order: Order) -> None: ...

    async with TestRabbitBroker(broker) as br:
        with pytest.raises(MessageValidationError):
            await br.publish({"id": "not a number"}, "orders")


async def test_router_prefix_applies_to_queue_and_routing_key() -> None:
    broker = RabbitBroker()
    plain = RabbitRouter(prefix="app.")
    ex = RabbitExchange("prefixed", type=ExchangeType.TOPIC)
    got: list[tuple[str, str]] = []

    @plain.subscriber(RabbitQueue("events", routing_key="ev.{kind}"), ex)
    async def handle(body: str, kind: Annotated[str, Path()], msg: fastapi.RabbitMessage) -> None:
        assert isinstance(msg, RabbitMessage)
        got.append((kind, body))

    broker.include_router(plain)
    assert broker.subscribers[0].name == "app.events"
    async with TestRabbitBroker(broker) as br:
        await br.publish("x", exchange=ex, routing_key="app.ev.created")
    assert got == [("created", "x")]

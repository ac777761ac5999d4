"""Plugin exchange types (delayed message, consistent and modulus hash) and
``ReplyConfig`` under ``TestRabbitBroker`` (no server)."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import pytest

from faststream_fastapi.core.errors import PublishError, SetupError
from faststream_fastapi.core.message import Envelope
from faststream_fastapi.rabbit import (
    ExchangeType,
    RabbitBroker,
    RabbitExchange,
    RabbitQueue,
    ReplyConfig,
    TestRabbitBroker,
)


def test_plugin_types_are_exchange_types() -> None:
    assert ExchangeType.X_DELAYED_MESSAGE.value == "x-delayed-message"
    assert ExchangeType.X_CONSISTENT_HASH.value == "x-consistent-hash"
    assert ExchangeType.X_MODULUS_HASH.value == "x-modulus-hash"
    assert RabbitExchange("e", type="x-consistent-hash").type is ExchangeType.X_CONSISTENT_HASH


def test_asyncapi_names_the_plugin_type() -> None:
    broker = RabbitBroker()

    @broker.subscriber(RabbitQueue("q"), RabbitExchange("e", type=ExchangeType.X_DELAYED_MESSAGE))
    async def handle(body: str) -> None: ...

    ((_, bindings),) = broker.subscribers[0].spec.asyncapi_channels(receive=True)
    assert bindings.channel["amqp"]["x-exchange"]["type"] == "x-delayed-message"


@pytest.mark.parametrize("delayed_type", [None, "direct", "topic", "fanout"])
async def test_delayed_exchange_routes_as_its_delayed_type(name: str, delayed_type: str) -> None:
    arguments = {"x-delayed-type": delayed_type} if delayed_type else None
    exchange = RabbitExchange(name, type=ExchangeType.X_DELAYED_MESSAGE, arguments=arguments)
    broker = RabbitBroker()

    @broker.subscriber(RabbitQueue(f"{name}-q", routing_key="logs.*"), exchange)
    async def handle(body: str) -> None: ...

    async with TestRabbitBroker(broker) as br:
        # Delivered at once: the test broker does not wait for ``x-delay``.
        # A direct exchange matches no binding: a lost publish under a test broker raises.
        lost = pytest.raises(PublishError) if delayed_type in (None, "direct") else nullcontext()
        with lost:
            await br.publish(
                "x", exchange=exchange, routing_key="logs.info", headers={"x-delay": "5"}
            )
        await br.publish("y", exchange=exchange, routing_key="logs.*")
        got = [call.args[0] for call in handle.mock.call_args_list]
    expected = {None: ["y"], "direct": ["y"], "topic": ["x", "y"], "fanout": ["x", "y"]}
    assert got == expected[delayed_type]


@pytest.mark.parametrize("kind", [ExchangeType.X_CONSISTENT_HASH, ExchangeType.X_MODULUS_HASH])
async def test_hash_exchange_gives_each_message_to_one_queue_by_key(
    name: str, kind: ExchangeType
) -> None:
    exchange = RabbitExchange(name, type=kind)
    broker = RabbitBroker()
    got: dict[str, list[str]] = {"a": [], "b": [], "c": []}

    def collecting(queue: str) -> Any:
        async def handle(body: str) -> None:
            got[queue].append(body)

        return handle

    for queue in got:
        broker.subscriber(RabbitQueue(f"{name}-{queue}", routing_key="1"), exchange)(
            collecting(queue)
        )

    async with TestRabbitBroker(broker) as br:
        for i in range(60):
            await br.publish(str(i), exchange=exchange, routing_key=f"key-{i % 20}")
    assert sum(map(len, got.values())) == 60  # each once
    assert all(got.values())  # spread over the queues
    owner = {int(body) % 20: queue for queue, bodies in got.items() for body in bodies}
    for queue, bodies in got.items():  # one key, one queue
        assert {owner[int(body) % 20] for body in bodies} == {queue}


async def test_consistent_hash_weights_by_binding_key_and_hashes_a_header(name: str) -> None:
    exchange = RabbitExchange(
        name, type=ExchangeType.X_CONSISTENT_HASH, arguments={"hash-header": "user"}
    )
    broker = RabbitBroker()
    got: dict[str, list[str]] = {"heavy": [], "light": []}

    @broker.subscriber(RabbitQueue(f"{name}-heavy", routing_key="9"), exchange)
    async def heavy(body: str) -> None:
        got["heavy"].append(body)

    @broker.subscriber(RabbitQueue(f"{name}-light", routing_key="1"), exchange)
    async def light(body: str) -> None:
        got["light"].append(body)

    async with TestRabbitBroker(broker) as br:
        for i in range(200):
            await br.publish(
                str(i), exchange=exchange, routing_key="same", headers={"user": str(i)}
            )
        await br.publish("a", exchange=exchange, routing_key="k1", headers={"user": "u"})
        await br.publish("b", exchange=exchange, routing_key="k2", headers={"user": "u"})
    assert len(got["heavy"]) > 3 * len(got["light"]) > 0
    assert ("a" in got["heavy"]) == ("b" in got["heavy"])  # same header, same queue


async def test_reply_config_sets_the_reply_delivery(name: str) -> None:
    broker = RabbitBroker()
    sent: list[Envelope] = []

    with pytest.warns(DeprecationWarning, match="reply_config"):

        @broker.subscriber(name, reply_config=ReplyConfig(persist=True))
        async def handle(body: str) -> str:
            return body

    @broker.subscriber(f"{name}-reply")
    async def replies(body: str) -> None: ...

    async with TestRabbitBroker(broker) as br:
        publish = br.transport.publish

        async def spy(envelope: Envelope) -> Any:
            sent.append(envelope)
            return await publish(envelope)

        br.transport.publish = spy  # type: ignore[method-assign]
        await br.publish("Hello!", name, reply_to=f"{name}-reply")
        replies.mock.assert_called_once_with("Hello!")
    reply = sent[-1]
    assert reply.destination == f"{name}-reply"
    assert (reply.options["persist"], reply.options["mandatory"]) == (True, True)


def test_reply_config_defaults_and_immediate() -> None:
    assert ReplyConfig().to_dict() == {"mandatory": True, "immediate": False, "persist": False}
    with pytest.raises(SetupError, match="immediate"):
        ReplyConfig(immediate=True)

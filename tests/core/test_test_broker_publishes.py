"""Under a test broker a lost publish is an error (issue #15, section 4), and the
FastStream 0.5 publishing rules its own tests rely on.

A publish that reaches no subscriber, to a destination no declared publisher
names, raises ``PublishError`` naming the test broker and the destination; a
request to such a destination times out at once (so ``rpc=True`` gives ``None``).
"""

from __future__ import annotations

import time

import pytest

from faststream_fastapi import context
from faststream_fastapi.core.errors import PublishError, SetupError
from faststream_fastapi.rabbit import (
    ExchangeType,
    RabbitBroker,
    RabbitExchange,
    TestRabbitBroker,
)
from faststream_fastapi.redis import RedisBroker, TestRedisBroker
from kits import Kit, kit_fixture

kit = kit_fixture()


async def test_a_publish_nobody_receives_raises_naming_the_destination(kit: Kit, name: str) -> None:
    broker = kit.Broker()

    @broker.subscriber(name)
    async def handle(msg: str) -> None: ...

    async with kit.Test(broker) as br:
        await br.publish("ok", name)
        with pytest.raises(PublishError, match=rf"{kit.Test.__name__}: .*'{name}-typo'"):
            await br.publish("lost", f"{name}-typo")
        assert handle.mock is not None
        handle.mock.assert_called_once_with("ok")  # the typo reached nobody


async def test_a_declared_publisher_makes_a_destination_meant(kit: Kit, name: str) -> None:
    broker = kit.Broker()
    out = broker.publisher(f"{name}-out")

    @broker.subscriber(name)
    @out
    async def handle(msg: str) -> str:
        return msg.upper()

    async with kit.Test(broker) as br:
        await br.publish("hi", name)  # the reply goes to the declared, unread destination
        await br.publish("direct", f"{name}-out")
        await out.publish("via publisher")
        assert [c.args[0] for c in out.mock.call_args_list] == ["HI", "via publisher"]


async def test_a_handler_publishing_nowhere_fails_the_publish(kit: Kit, name: str) -> None:
    broker = kit.Broker()

    @broker.subscriber(name)
    async def handle(msg: str) -> None:
        await broker.publish(msg, f"{name}-missing")

    async with kit.Test(broker) as br:
        with pytest.raises(PublishError, match=f"{name}-missing"):
            await br.publish("hi", name)


async def test_a_request_nobody_receives_times_out_at_once(kit: Kit, name: str) -> None:
    broker = kit.Broker()
    async with kit.Test(broker) as br:
        started = time.monotonic()
        with pytest.raises(TimeoutError, match=f"nothing subscribes to .*'{name}'"):
            await br.request("hi", name, timeout=30)
        assert await br.publish("hi", name, rpc=True) is None
        assert time.monotonic() - started < 5


async def test_a_handler_publishing_nowhere_fails_the_request_with_that_name(
    kit: Kit, name: str
) -> None:
    broker = kit.Broker()

    @broker.subscriber(name)
    async def handle(msg: str) -> str:
        await broker.publish(msg, f"{name}-missing")
        return msg

    async with kit.Test(broker) as br:
        with pytest.raises(PublishError, match=f"{name}-missing"):
            await br.request("hi", name, timeout=5)


async def test_a_kafka_record_on_an_unread_partition_of_a_read_topic_is_kept(name: str) -> None:
    for package in ("kafka", "confluent"):
        kit = Kit(package)
        broker = kit.Broker()

        @broker.subscriber(partitions=[kit.pkg.TopicPartition(name, 0)])
        async def zero(msg: str) -> None: ...

        async with kit.Test(broker) as br:
            await br.publish("elsewhere", name, partition=3)  # stays in the log: no error
            zero.mock.assert_not_called()
            with pytest.raises(PublishError, match=f"topic '{name}-x'"):
                await br.publish("lost", f"{name}-x")


async def test_the_error_names_what_was_published_to() -> None:
    rabbit = RabbitBroker()
    exchange = RabbitExchange("ex-named", type=ExchangeType.DIRECT)

    @rabbit.subscriber("bound", exchange)
    async def bound(msg: str) -> None: ...

    async with TestRabbitBroker(rabbit) as br:
        with pytest.raises(PublishError, match="exchange 'ex-named' with routing key 'other'"):
            await br.publish("x", exchange=exchange, routing_key="other")
        with pytest.raises(PublishError, match="queue 'no-queue'"):
            await br.publish("x", "no-queue")

    redis = RedisBroker()
    async with TestRedisBroker(redis) as br:
        with pytest.raises(PublishError, match="list 'jobs'"):
            await br.publish("x", list="jobs")


async def test_setup_errors_are_value_errors_as_in_0_5(name: str) -> None:
    assert issubclass(SetupError, ValueError)
    assert issubclass(SetupError, TypeError)
    async with TestRedisBroker(RedisBroker()) as br:
        with pytest.raises(SetupError, match="exactly one of channel"):
            await br.publish("no destination")
        with pytest.raises(SetupError, match="rpc=True or reply_to="):
            await br.publish("x", name, rpc=True, reply_to="elsewhere")


async def test_the_context_resolves_the_message_in_a_handler(kit: Kit, name: str) -> None:
    broker = kit.Broker()
    seen: list[bool] = []

    @broker.subscriber(name)
    async def handle(msg: str) -> None:
        message = context.resolve("message")
        seen.append(context.resolve("message.headers") is message.headers)
        seen.append("message" in context and context.get("message") is message)

    async with kit.Test(broker) as br:
        await br.publish("hi", name, headers={"x-k": "v"})
    assert seen == [True, True]
    assert "message" not in context
    assert context.get("message") is None

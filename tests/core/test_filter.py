"""``filter=``: handlers sharing one subscription; the first that accepts a message handles it."""

import asyncio
import logging
from typing import Any

import pytest
from fastapi import FastAPI

from faststream_fastapi import AckPolicy, Context, StreamMessage
from faststream_fastapi.core import Middleware
from faststream_fastapi.kafka import KafkaBroker, TestKafkaBroker
from faststream_fastapi.nats import NatsBroker, TestNatsBroker
from faststream_fastapi.rabbit import RabbitBroker, TestRabbitBroker
from faststream_fastapi.redis import RedisBroker, TestRedisBroker
from faststream_fastapi.redis.fastapi import RedisRouter
from support import running


async def test_first_accepting_handler_handles_in_declaration_order(name: str) -> None:
    got: list[tuple[str, Any]] = []
    broker = RedisBroker()

    @broker.subscriber(name, filter=lambda m: m.content_type == "application/json")
    async def as_json(body: dict[str, int]) -> None:
        got.append(("json", body))

    async def is_text(message: StreamMessage) -> bool:  # async filters too
        return message.content_type == "text/plain"

    @broker.subscriber(name, filter=is_text)
    async def as_text(body: str) -> None:
        got.append(("text", body))

    @broker.subscriber(name)  # no filter: takes the rest
    async def rest(body: bytes) -> None:
        got.append(("rest", body))

    async with TestRedisBroker(broker) as br:
        await br.publish({"a": 1}, name)
        await br.publish("hi", name)
        await br.publish(b"\x00", name)
    assert got == [("json", {"a": 1}), ("text", "hi"), ("rest", b"\x00")]
    lead, *members = broker.subscribers
    assert [m.lead for m in members] == [lead, lead]


async def test_no_match_is_logged_once_and_settled_by_policy(
    caplog: pytest.LogCaptureFixture, name: str
) -> None:
    seen: list[StreamMessage] = []

    class Spy(Middleware):
        async def consume(self, message: StreamMessage, call_next: Any) -> Any:
            return await call_next(message)

    broker = RedisBroker()

    @broker.subscriber(name, filter=lambda m: False, ack_policy=AckPolicy.NACK_ON_ERROR)
    async def never(body: str) -> None:
        raise AssertionError("not accepted")

    @broker.subscriber(name, filter=lambda m: seen.append(m) or False)
    async def never_either(body: str) -> None:
        raise AssertionError("not accepted")

    caplog.set_level(logging.ERROR, "faststream_fastapi")
    async with TestRedisBroker(broker) as br:
        await br.publish("x", name)
    assert seen[0].settled == "nack"  # the lead's policy, as for a failure
    errors = [r for r in caplog.records if "no handler accepted" in r.getMessage()]
    assert len(errors) == 1


async def test_a_failing_filter_is_logged_and_settled(
    caplog: pytest.LogCaptureFixture, name: str
) -> None:
    broker = RedisBroker()

    @broker.subscriber(name, filter=lambda m: 1 / 0)
    async def handle(body: str) -> None: ...

    caplog.set_level(logging.ERROR, "faststream_fastapi")
    async with TestRedisBroker(broker) as br:
        await br.publish("x", name)
    assert "a filter raised ZeroDivisionError" in caplog.text


async def test_handler_errors_still_fail_the_message(name: str) -> None:
    broker = RedisBroker()

    @broker.subscriber(name, filter=lambda m: True)
    async def handle(body: str) -> None:
        raise ValueError("boom")

    async with TestRedisBroker(broker) as br:
        with pytest.raises(ValueError, match="boom"):
            await br.publish("x", name)


async def test_without_filter_subscriptions_stay_apart_and_undispatched(name: str) -> None:
    broker = RedisBroker()

    @broker.subscriber(name)
    async def one(body: str) -> None: ...

    @broker.subscriber(name)
    async def two(body: str) -> None: ...

    async with TestRedisBroker(broker):
        for sub in broker.subscribers:
            assert sub.lead is None and not sub.members
            assert sub.consumption is not None


@pytest.mark.parametrize(
    ("broker_cls", "test_cls", "args"),
    [
        (RabbitBroker, TestRabbitBroker, {}),
        (NatsBroker, TestNatsBroker, {}),
        (KafkaBroker, TestKafkaBroker, {}),
    ],
    ids=["rabbit", "nats", "kafka"],
)
async def test_filter_on_other_brokers(
    name: str, broker_cls: Any, test_cls: Any, args: dict[str, Any]
) -> None:
    got: list[str] = []
    broker = broker_cls()

    @broker.subscriber(name, filter=lambda m: m.headers.get("kind") == "a", **args)
    async def a(body: str) -> None:
        got.append("a:" + body)

    @broker.subscriber(name, **args)
    async def b(
        body: str, kind: str | None = Context("message.headers.kind", default=None)
    ) -> None:
        got.append("b:" + body)

    async with test_cls(broker) as br:
        await br.publish("1", name, headers={"kind": "a"})
        await br.publish("2", name, headers={"kind": "b"})
    assert got == ["a:1", "b:2"]


async def test_one_subscriber_decorating_several_handlers(name: str) -> None:
    got: list[tuple[str, Any]] = []
    broker = RedisBroker()
    sub = broker.subscriber(name)

    @sub(filter=lambda m: m.content_type == "application/json")
    async def as_json(body: dict[str, str]) -> None:
        got.append(("json", body))

    @sub
    async def rest(body: str) -> None:
        got.append(("rest", body))

    async with TestRedisBroker(broker) as br:
        await br.publish({"msg": "hello"}, name)
        await br.publish("hello", name)
    assert got == [("json", {"msg": "hello"}), ("rest", "hello")]
    with pytest.raises(TypeError, match="unexpected keyword 'group_id'"):
        sub(group_id="x")


async def test_stop_consume_in_any_handler_stops_the_subscription(name: str) -> None:
    from faststream_fastapi.exceptions import StopConsume

    broker = RedisBroker()
    sub = broker.subscriber(name)

    @sub(filter=lambda m: False)
    async def first(body: str) -> None: ...

    @sub
    async def second(body: str) -> None:
        raise StopConsume

    async with TestRedisBroker(broker) as br:
        await br.publish("x", name)
        lead = broker.subscribers[0]
        for _ in range(100):
            if lead.consumption is None:
                break
            await asyncio.sleep(0.01)
        assert lead.halted and lead.consumption is None
        assert broker.healthy()


async def test_no_match_under_ack_first_is_acked(name: str) -> None:
    seen: list[StreamMessage] = []
    broker = RedisBroker()

    @broker.subscriber(name, no_ack=True, filter=lambda m: seen.append(m) or False)
    async def never(body: str) -> None: ...

    async with TestRedisBroker(broker) as br:
        await br.publish("x", name)
    assert seen[0].settled == "ack"


@pytest.mark.parametrize("mode", ["memory", pytest.param("real", marks=pytest.mark.redis)])
async def test_fastapi_router_sub_form_takes_a_filter(name: str, mode: str) -> None:
    router = RedisRouter("redis://127.0.0.1:6379")
    got: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    sub = router.subscriber(name)  # 0.5's form: declare, then add handlers

    @sub(filter=lambda m: m.content_type == "application/json")
    async def by_id(body: dict[str, int]) -> None:
        await got.put(("json", body["id"]))

    @sub
    async def rest(body: str) -> None:
        await got.put(("rest", body))

    with pytest.raises(TypeError, match="'nonsense'"):
        sub(nonsense=1)
    FastAPI().include_router(router)
    async with running(router.broker, mode, TestRedisBroker) as br:
        await br.publish({"id": 7}, name)
        await br.publish("plain", name)
        got_two = [await asyncio.wait_for(got.get(), 5) for _ in range(2)]
    assert got_two == [("json", 7), ("rest", "plain")]

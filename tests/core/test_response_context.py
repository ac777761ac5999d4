"""``Response``/``<B>Response`` and the ``context`` surface FastStream 0.5 code uses."""

from typing import Any

import pytest

from faststream_fastapi import Context, Response, context
from faststream_fastapi.core import ContextKeyError, ContextRepo
from faststream_fastapi.core.response import ensure_response
from faststream_fastapi.kafka import KafkaResponse
from faststream_fastapi.nats import NatsResponse
from faststream_fastapi.rabbit import RabbitBroker, RabbitResponse, TestRabbitBroker
from faststream_fastapi.redis import RedisBroker, RedisResponse, TestRedisBroker


def test_response_headers() -> None:
    response = Response(1, headers={"a": "1"})
    response.add_headers({"a": "2", "b": "3"}, override=False)
    assert response.headers == {"a": "1", "b": "3"}
    response.add_headers({"a": "2"})
    assert response.headers == {"a": "2", "b": "3"}
    assert ensure_response(response) is response
    assert ensure_response(5).body == 5 and ensure_response(5).headers == {}
    assert response.as_publish_kwargs() == {"headers": response.headers, "correlation_id": None}


def test_broker_responses_keep_the_options_given() -> None:
    assert RabbitResponse(1, priority=3, persist=True).options == {"priority": 3, "persist": True}
    assert KafkaResponse(1, key=b"k").options == {"key": b"k"}
    assert NatsResponse(1, stream="s").options["stream"].name == "s"
    assert RedisResponse(1, maxlen=5).as_publish_kwargs()["maxlen"] == 5


async def test_reply_carries_headers_and_correlation_id(name: str) -> None:
    broker = RedisBroker()

    @broker.subscriber(name)
    async def handle(body: str) -> Response:
        return Response(body.upper(), headers={"x-kind": "upper"}, correlation_id="cid-1")

    async with TestRedisBroker(broker) as br:
        reply = await br.request("abc", name, correlation_id="req-1")
    assert reply.decoded() == "ABC"
    assert reply.headers["x-kind"] == "upper"
    assert reply.correlation_id == "req-1"  # the requester matches replies by its own


async def test_broker_response_options_reach_the_publisher(name: str) -> None:
    got: list[Any] = []
    broker = RabbitBroker()

    @broker.subscriber(name)
    @broker.publisher(name + "-out")
    async def handle(body: str) -> RabbitResponse:
        return RabbitResponse(body, headers={"h": "v"}, priority=5)

    @broker.subscriber(name + "-out")
    async def out(body: str, priority: Any = Context("message.raw.priority", default=None)) -> None:
        got.append(body)

    async with TestRabbitBroker(broker) as br:
        await br.publish("x", name)
    assert got == ["x"]


async def test_no_reply_publishes_nothing_back(name: str) -> None:
    got: list[str] = []
    broker = RedisBroker()

    @broker.subscriber(name, no_reply=True)
    async def handle(body: str) -> str:
        return "answer"

    @broker.subscriber(name + "-r")
    async def reply(body: str) -> None:
        got.append(body)

    async with TestRedisBroker(broker) as br:
        await br.publish("q", name, reply_to=name + "-r")
    assert got == []


def test_context_repo_surface() -> None:
    context.set_global("tenant", {"id": 7})
    try:
        assert context.resolve("tenant.id") == 7
        assert context.tenant == {"id": 7}
        assert "tenant" in context.context
        token = context.set_local("request", "r1")
        assert context.get_local("request") == "r1" and context.get("request") == "r1"
        context.reset_local("request", token)
        assert context.get_local("request") is None
        with pytest.raises(KeyError):
            context.resolve("nothing-here")
        with pytest.raises(ContextKeyError):
            context.resolve("nothing-here")
    finally:
        context.reset_global("tenant")


async def test_context_by_parameter_name_and_initial(name: str) -> None:
    seen: list[Any] = []
    broker = RedisBroker()
    key = name.replace("-", "_")

    @broker.subscriber(name)
    async def handle(
        body: str,
        broker=Context(),  # by its name, untyped as in 0.5 code
        collected: set[str] = Context(key, initial=set),
    ) -> None:
        collected.add(body)
        seen.append(broker)

    try:
        async with TestRedisBroker(broker) as br:
            await br.publish("a", name)
            await br.publish("b", name)
        assert seen == [broker, broker]
        assert context.get(key) == {"a", "b"}
    finally:
        context.reset_global(key)


def test_clear_forgets_globals() -> None:
    repo = ContextRepo()
    repo.set_global("x", 1)
    repo.clear()
    assert repo.get("x") is None


async def test_rpc_publish_publisher_request_and_wait_call(name: str) -> None:
    broker = RedisBroker()
    out = broker.publisher(name)

    @broker.subscriber(name)
    async def handle(body: str) -> str:
        return body + "!"

    @broker.subscriber(name + "-silent", no_reply=True)
    async def silent(body: str) -> None: ...

    async with TestRedisBroker(broker) as br:
        assert await br.publish("hi", name, rpc=True, rpc_timeout=3) == "hi!"
        assert (await out.request("yo", timeout=3)).decoded() == "yo!"
        await handle.wait_call(1)
        assert await br.publish("x", name + "-silent", rpc=True, rpc_timeout=0) is None
        with pytest.raises(TimeoutError):
            await br.publish("x", name + "-silent", rpc=True, rpc_timeout=0, raise_timeout=True)


async def test_wait_call_times_out_without_a_message(name: str) -> None:
    broker = RedisBroker()

    @broker.subscriber(name)
    async def handle(body: str) -> None: ...

    async with TestRedisBroker(broker):
        with pytest.raises(TimeoutError):
            await handle.wait_call(0.01)

"""FastAPI dependency semantics inside subscribers, on the in-memory Redis broker."""

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import pytest
from fastapi import Body, Depends, FastAPI, Header, HTTPException, Security
from fastapi.security import APIKeyHeader, SecurityScopes
from pydantic import BaseModel

from faststream_fastapi import Context, Logger, Response, context
from faststream_fastapi.core import ContextKeyError, MessageDecodeError, MessageValidationError
from faststream_fastapi.redis import RedisBroker, RedisRouter, TestRedisBroker
from faststream_fastapi.redis.fastapi import RedisMessage
from faststream_fastapi.redis.fastapi import RedisRouter as FastAPIRedisRouter


class Point(BaseModel):
    x: int
    y: int


async def test_several_body_parameters_take_object_keys() -> None:
    broker = RedisBroker()

    @broker.subscriber("in")
    async def handler(a: int, b: str, point: Point) -> str:
        return f"{a}{b}{point.x + point.y}"

    async with TestRedisBroker(broker) as br:
        reply = await br.request({"a": 1, "b": "x", "point": {"x": 2, "y": 3}}, "in")
        assert reply.decoded() == "1x5"


async def test_a_list_body_fills_the_parameters_in_order() -> None:
    broker = RedisBroker()
    seen: list[Any] = []

    @broker.subscriber("in")
    async def handler(point: Point, a: int, logger: Logger, b: str = "dflt") -> str:
        return f"{point.x}{a}{b}"

    @broker.subscriber("whole")
    async def whole(items: list[int], logger: Logger) -> int:
        return sum(items)

    @broker.subscriber("bad")
    async def bad(a: int, b: int) -> None:
        seen.append((a, b))

    async with TestRedisBroker(broker) as br:
        assert (await br.request([{"x": 7, "y": 0}, "1", "z"], "in")).decoded() == "71z"
        assert (await br.request([{"x": 7, "y": 0}, 2], "in")).decoded() == "72dflt"
        assert (await br.request([1, 2, 3], "whole")).decoded() == 6
        with pytest.raises(MessageDecodeError, match=r"list of 3 items, for 2 parameters \(a, b\)"):
            await br.publish([1, 2, 3], "bad")
    assert seen == []


async def test_star_args_take_a_list_body_s_extra_items() -> None:
    broker = RedisBroker()

    @broker.subscriber("in")
    async def handler(a: int, b: int, *args: tuple[int, ...]) -> list[Any]:
        return [a, b, args]

    @broker.subscriber("each")
    def each(first: str, logger: Logger, *rest: int, flag: bool = False) -> list[Any]:
        return [first, rest, flag]

    async with TestRedisBroker(broker) as br:
        assert (await br.request([1, 1.0, 2.0, 3.0], "in")).decoded() == [1, 1, [2, 3]]
        assert (await br.request({"a": 1, "b": 2}, "in")).decoded() == [1, 2, []]
        assert (await br.request(["x", "4", 5], "each")).decoded() == ["x", [4, 5], False]
        with pytest.raises(MessageValidationError):
            await br.publish(["x", "not a number"], "each")
        handler.mock.assert_called_with({"a": 1, "b": 2})


async def test_embedded_single_body() -> None:
    broker = RedisBroker()

    @broker.subscriber("in")
    async def handler(point: Annotated[Point, Body(embed=True)]) -> int:
        return point.x

    async with TestRedisBroker(broker) as br:
        assert (await br.request({"point": {"x": 7, "y": 0}}, "in")).decoded() == 7


async def test_defaults_and_optional_body() -> None:
    broker = RedisBroker()

    @broker.subscriber("in")
    async def handler(note: str | None = None) -> str:
        return repr(note)

    async with TestRedisBroker(broker) as br:
        assert (await br.request(None, "in")).decoded() == "None"
        assert (await br.request("hi", "in")).decoded() == "'hi'"


async def test_yield_dependencies_sync_and_async_see_handler_errors() -> None:
    broker = RedisBroker()
    log: list[str] = []

    async def session() -> AsyncIterator[str]:
        log.append("open async")
        try:
            yield "s"
        except ValueError:
            log.append("rollback")
            raise
        finally:
            log.append("close async")

    def sync_res() -> Iterator[str]:
        log.append("open sync")
        yield "r"
        log.append("close sync")

    @broker.subscriber("in")
    async def handler(
        msg: str,
        s: Annotated[str, Depends(session)],
        r: Annotated[str, Depends(sync_res)],
    ) -> str:
        if msg == "fail":
            raise ValueError("boom")
        return s + r

    async with TestRedisBroker(broker) as br:
        assert (await br.request("ok", "in")).decoded() == "sr"
        with pytest.raises(ValueError):
            await br.publish("fail", "in")
    assert log[:4] == ["open async", "open sync", "close sync", "close async"]
    assert "rollback" in log


async def test_dependency_cache_and_use_cache_false() -> None:
    broker = RedisBroker()
    calls: list[str] = []

    async def counted() -> int:
        calls.append("x")
        return len(calls)

    async def uses(a: Annotated[int, Depends(counted)]) -> int:
        return a

    @broker.subscriber("in")
    async def handler(
        a: Annotated[int, Depends(counted)],
        b: Annotated[int, Depends(uses)],
        c: Annotated[int, Depends(counted, use_cache=False)],
    ) -> list[int]:
        return [a, b, c]

    async with TestRedisBroker(broker) as br:
        assert (await br.request("", "in")).decoded() == [1, 1, 2]


async def test_security_and_scopes_through_the_message_headers() -> None:
    router = FastAPIRedisRouter()
    api_key = APIKeyHeader(name="X-API-Key")

    def require(scopes: SecurityScopes, key: Annotated[str, Security(api_key)]) -> str:
        if key != "secret":
            raise HTTPException(403)
        return f"{key}:{','.join(scopes.scopes)}"

    @router.subscriber("in")
    async def handler(msg: str, who: Annotated[str, Security(require, scopes=["read"])]) -> str:
        return who

    async with TestRedisBroker(router.broker) as br:
        reply = await br.request("x", "in", headers={"x-api-key": "secret"})
        assert reply.decoded() == "secret:read"
        with pytest.raises(HTTPException):
            await br.publish("x", "in", headers={"x-api-key": "wrong"})


async def test_router_and_subscriber_level_dependencies() -> None:
    seen: list[str] = []

    async def router_dep(x_tenant: Annotated[str, Header()]) -> None:
        seen.append(f"router:{x_tenant}")

    async def sub_dep() -> None:
        seen.append("subscriber")

    router = FastAPIRedisRouter(dependencies=[Depends(router_dep)])

    @router.subscriber("in", dependencies=[Depends(sub_dep)])
    async def handler(msg: str) -> None:
        seen.append(f"handler:{msg}")

    async with TestRedisBroker(router.broker) as br:
        await br.publish("m", "in", headers={"X-Tenant": "acme"})
    assert seen == ["router:acme", "subscriber", "handler:m"]


async def test_context_values_and_globals() -> None:
    broker = RedisBroker()
    context.set_global("settings", {"mode": "test"})

    @broker.subscriber("in")
    async def handler(
        msg: str,
        message: RedisMessage,
        headers: Annotated[Any, Context("message.headers")],
        mode: Annotated[str, Context("settings.mode")],
        missing: Annotated[str, Context("nope", default="dflt")],
        logger: Logger,
    ) -> list[str]:
        return [message.destination, headers["x-a"], mode, missing, logger.name]

    @broker.subscriber("bad")
    async def bad(msg: str, value: Annotated[str, Context("nothing.here")]) -> None: ...

    try:
        async with TestRedisBroker(broker) as br:
            reply = await br.request("m", "in", headers={"X-A": "1"})
            assert reply.decoded() == ["in", "1", "test", "dflt", "faststream_fastapi"]
            with pytest.raises(ContextKeyError):
                await br.publish("m", "bad")
    finally:
        context.reset_global("settings")


async def test_response_sets_headers_and_correlation_id() -> None:
    broker = RedisBroker()
    out: list[Any] = []

    @broker.subscriber("in")
    @broker.publisher("out")
    async def handler(msg: str) -> Response:
        return Response(msg.upper(), headers={"x-done": "1"}, correlation_id="cid-9")

    @broker.subscriber("out")
    async def sink(msg: str, message: RedisMessage) -> None:
        out.append((msg, message.headers["X-Done"], message.correlation_id))

    async with TestRedisBroker(broker) as br:
        await br.publish("hi", "in")
    assert out == [("HI", "1", "cid-9")]


async def test_plain_router_prefix_and_include() -> None:
    broker = RedisBroker()
    router = RedisRouter(prefix="svc.")

    @router.subscriber("orders")
    @router.publisher("done")
    async def handler(msg: str) -> str:
        return msg + "!"

    broker.include_router(router)
    assert [s.name for s in broker.subscribers] == ["svc.orders"]
    assert [p.name for p in broker.publishers] == ["svc.done"]

    async with TestRedisBroker(broker) as br:
        await br.publish("x", "svc.orders")
        handler.mock.assert_called_once_with("x")
        broker.publishers[0].mock.assert_called_once_with("x!")
    with pytest.raises(Exception, match="already included"):
        RedisBroker().include_router(router)


async def test_logs_carry_message_context(caplog: pytest.LogCaptureFixture) -> None:
    broker = RedisBroker()

    @broker.subscriber("in")
    async def handler(msg: str, logger: Logger) -> None:
        logger.warning("working on %s", msg)

    caplog.set_level(logging.INFO, "faststream_fastapi")
    async with TestRedisBroker(broker) as br:
        await br.publish("job", "in", correlation_id="corr-1")
    record = next(r for r in caplog.records if r.getMessage() == "working on job")
    assert record.correlation_id == "corr-1"  # type: ignore[attr-defined]
    assert record.destination == "in"  # type: ignore[attr-defined]


async def test_http_route_can_use_logger_annotation() -> None:
    from fastapi.testclient import TestClient

    app = FastAPI()

    @app.get("/")
    async def index(logger: Logger) -> str:
        return logger.name

    assert TestClient(app).get("/").json() == "faststream_fastapi"


async def test_bare_framework_type_hints() -> None:
    from faststream_fastapi.redis import RedisMessage

    broker = RedisBroker()

    @broker.subscriber("in")
    async def handler(
        msg: str, message: RedisMessage, b: RedisBroker, log: logging.Logger
    ) -> list[Any]:
        return [msg, message.destination, b is broker, log.name]

    async with TestRedisBroker(broker) as br:
        assert (await br.request("m", "in")).decoded() == ["m", "in", True, "faststream_fastapi"]

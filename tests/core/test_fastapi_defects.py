"""The twelve known defects of the incumbent's bridge (DESIGN.md), each a test."""

import asyncio
import logging
from typing import Annotated, Any

import pytest
from fastapi import BackgroundTasks, Depends, FastAPI, Header, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel

from faststream_fastapi import Context, Logger, Response
from faststream_fastapi.core.callplan import tree
from faststream_fastapi.redis import TestRedisBroker
from faststream_fastapi.redis.fastapi import RedisRouter


class Item(BaseModel):
    name: str
    qty: int = 1


async def test_1_body_maps_by_kind_not_position() -> None:
    router = RedisRouter()
    got: dict[str, Any] = {}

    @router.subscriber("in")
    async def handler(
        request: Request,
        tasks: BackgroundTasks,
        x_trace: Annotated[str, Header()],
        item: Item,
    ) -> None:
        got.update(item=item, trace=x_trace, request=request, tasks=tasks)

    async with TestRedisBroker(router.broker) as br:
        await br.publish(Item(name="a", qty=2), "in", headers={"X-Trace": "t1"})
    assert got["item"] == Item(name="a", qty=2)
    assert got["trace"] == "t1"
    assert isinstance(got["request"], Request)
    assert isinstance(got["tasks"], BackgroundTasks)


async def test_2_dependencies_alone_receive_body_and_headers() -> None:
    router = RedisRouter()
    seen: list[Any] = []

    async def user_of(item: Item, x_user: Annotated[str, Header()]) -> str:
        return f"{x_user}:{item.name}"

    @router.subscriber("in")
    async def handler(who: Annotated[str, Depends(user_of)]) -> None:
        seen.append(who)

    async with TestRedisBroker(router.broker) as br:
        await br.publish({"name": "bob"}, "in", headers={"x-user": "u1"})
    assert seen == ["u1:bob"]


async def test_3_header_lookup_is_case_insensitive() -> None:
    router = RedisRouter()
    seen: list[str] = []

    @router.subscriber("in")
    async def handler(msg: str, x_request_id: Annotated[str, Header()]) -> None:
        seen.append(x_request_id)

    async with TestRedisBroker(router.broker) as br:
        await br.publish("a", "in", headers={"X-REQUEST-ID": "1"})
        await br.publish("b", "in", headers={"x-Request-Id": "2"})
    assert seen == ["1", "2"]


async def test_4_producer_headers_never_reach_framework_context() -> None:
    router = RedisRouter()
    seen: list[Any] = []

    @router.subscriber("in")
    async def handler(
        msg: str,
        broker: Annotated[Any, Context("broker")],
        message: Annotated[Any, Context("message")],
        logger: Logger,
    ) -> None:
        seen.append((broker, message.body, logger))

    async with TestRedisBroker(router.broker) as br:
        hostile = {"broker": "evil", "message": "evil", "logger": "evil", "context": "evil"}
        await br.publish("hi", "in", headers=hostile)
    broker, body, logger = seen[0]
    assert broker is router.broker
    assert body == b"hi"
    assert isinstance(logger, logging.Logger)


async def test_5_returned_bytes_pass_through() -> None:
    router = RedisRouter()
    payload = b"\x00\xffnot-json\x80"

    @router.subscriber("in")
    async def handler(msg: str) -> bytes:
        return payload

    @router.subscriber("raw")
    async def with_response(msg: str) -> Response:
        return Response(payload, headers={"x-kind": "raw"})

    async with TestRedisBroker(router.broker) as br:
        reply = await br.request("x", "in", timeout=1)
        assert reply.body == payload
        reply = await br.request("x", "raw", timeout=1)
        assert reply.body == payload
        assert reply.headers["X-Kind"] == "raw"


@pytest.mark.redis
def test_6_lifespan_state_is_request_state_in_subscribers(name: str) -> None:
    router = RedisRouter("redis://127.0.0.1:6379")
    seen: asyncio.Queue[Any] = asyncio.Queue()

    @router.after_startup
    async def open_db(app: FastAPI) -> dict[str, Any]:
        return {"db": "database-handle"}

    @router.subscriber(name)
    async def handler(msg: str, request: Request) -> str:
        return f"{request.state.db}|{type(request.state.broker).__name__}"

    app = FastAPI(lifespan=router.lifespan_context)
    app.include_router(router)

    @app.get("/ask")
    async def ask(request: Request) -> str:
        reply = await request.state.broker.request("q", name, timeout=5)
        return str(reply.decoded())

    with TestClient(app) as client:
        assert client.get("/ask").json() == "database-handle|RedisBroker"
    assert seen.empty()


async def test_7_dependency_overrides_apply_without_lifespan() -> None:
    router = RedisRouter()

    async def real_db() -> str:
        return "real"

    @router.subscriber("in")
    async def handler(msg: str, db: Annotated[str, Depends(real_db)]) -> str:
        return db

    app = FastAPI()
    app.include_router(router)

    async def fake_db() -> str:
        return "fake"

    async with TestRedisBroker(router.broker) as br:
        assert (await br.request("x", "in", timeout=1)).decoded() == "real"
        app.dependency_overrides[real_db] = fake_db
        assert (await br.request("x", "in", timeout=1)).decoded() == "fake"
        app.dependency_overrides.clear()
        assert (await br.request("x", "in", timeout=1)).decoded() == "real"


async def test_7_overrides_reach_through_an_intermediate_router() -> None:
    from fastapi import APIRouter

    router = RedisRouter()

    def dep() -> str:
        return "real"

    @router.subscriber("in")
    async def handler(msg: str, value: Annotated[str, Depends(dep)]) -> str:
        return value

    api = APIRouter(prefix="/api")
    api.include_router(router)
    app = FastAPI()
    app.include_router(api)
    app.dependency_overrides[dep] = lambda: "override"
    async with TestRedisBroker(router.broker) as br:
        assert (await br.request("x", "in", timeout=1)).decoded() == "override"


@pytest.mark.redis
def test_8_lifespan_is_restartable_and_docs_routes_exist_once(name: str) -> None:
    router = RedisRouter("redis://127.0.0.1:6379")
    handled: list[str] = []

    @router.subscriber(name)
    async def handler(msg: str) -> None:
        handled.append(msg)

    app = FastAPI(lifespan=router.lifespan_context)
    app.include_router(router)

    @app.get("/send/{text}")
    async def send(text: str) -> None:
        await router.broker.publish(text, name)

    for round_ in ("first", "second"):
        with TestClient(app) as client:
            assert router.broker.running
            client.get(f"/send/{round_}")
            _wait_for(lambda r=round_: r in handled)  # type: ignore[misc]
            assert client.get("/asyncapi.json").status_code == 200
        assert not router.broker.running
    assert handled == ["first", "second"]
    paths = [p for p in app.openapi()["paths"] if p.startswith("/asyncapi")]
    assert sorted(paths) == ["/asyncapi", "/asyncapi.json", "/asyncapi.yaml"]


def _wait_for(check: Any, timeout: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


async def test_9_background_task_errors_are_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    router = RedisRouter()
    failed = asyncio.Event()

    async def broken() -> None:
        failed.set()
        raise RuntimeError("task failed")

    @router.subscriber("in")
    async def handler(msg: str, tasks: BackgroundTasks) -> str:
        tasks.add_task(broken)
        return "reply"

    async with TestRedisBroker(router.broker) as br:
        reply = await br.request("x", "in", timeout=1)
        assert reply.decoded() == "reply"
        await asyncio.wait_for(failed.wait(), 1)
        await asyncio.sleep(0)
    assert "background task" in caplog.text and "RuntimeError" in caplog.text


async def test_9_background_tasks_run_after_ack() -> None:
    router = RedisRouter()
    seen: list[Any] = []
    done = asyncio.Event()

    async def later(message: Any) -> None:
        seen.append(message.settled)
        done.set()

    @router.subscriber("in")
    async def handler(
        msg: str, tasks: BackgroundTasks, message: Annotated[Any, Context("message")]
    ) -> None:
        tasks.add_task(later, message)

    async with TestRedisBroker(router.broker) as br:
        await br.publish("x", "in")
        await asyncio.wait_for(done.wait(), 1)
    assert seen == ["ack"]


async def test_10_framework_values_cost_no_threadpool_hop(monkeypatch: pytest.MonkeyPatch) -> None:
    router = RedisRouter()
    hops: list[Any] = []
    real = tree.run_in_threadpool

    async def counting(func: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(tree, "run_in_threadpool", counting)

    async def async_dep() -> int:
        return 1

    @router.subscriber("in")
    async def handler(
        item: Item,
        logger: Logger,
        message: Annotated[Any, Context("message")],
        d: Annotated[int, Depends(async_dep)],
    ) -> None:
        logger.debug("got %s", item.name)

    async with TestRedisBroker(router.broker) as br:
        await br.publish({"name": "a"}, "in")
        handler.mock.assert_called_once_with({"name": "a"})
    assert hops == []


@pytest.mark.redis
def test_11_nested_router_moves_once_and_publishes_through_live_connection(name: str) -> None:
    core = RedisRouter("redis://127.0.0.1:6379")
    nested = RedisRouter()
    calls: list[str] = []

    @core.subscriber(f"{name}-core")
    async def core_handler(msg: str) -> None:
        calls.append(f"core:{msg}")

    @nested.subscriber(f"{name}-nested")
    async def nested_handler(msg: str) -> None:
        calls.append(f"nested:{msg}")

    core.include_router(nested)
    assert [s.name for s in core.broker.subscribers] == [f"{name}-core", f"{name}-nested"]
    assert nested.broker.subscribers == []

    app = FastAPI(lifespan=core.lifespan_context)
    app.include_router(core)

    @app.get("/go")
    async def go() -> None:
        await nested.broker.publish("n", f"{name}-nested")
        await core.broker.publish("c", f"{name}-core")

    with TestClient(app) as client:
        client.get("/go")
        _wait_for(lambda: len(calls) >= 2)
        import time

        time.sleep(0.2)  # a duplicated consumer would show up here
    assert sorted(calls) == ["core:c", "nested:n"]
    paths = [p for p in app.openapi()["paths"] if p.startswith("/asyncapi")]
    assert len(paths) == 3


async def test_12_startup_failure_is_reported_with_its_cause() -> None:
    # The ASGI lifespan as a server runs it (Starlette's TestClient before 0.38 leaves
    # its streams unclosed when the startup fails: a warning in whatever test follows).
    router = RedisRouter("redis://127.0.0.1:1")
    app = FastAPI(lifespan=router.lifespan_context)
    app.include_router(router)
    sent: list[dict[str, Any]] = []
    received = iter([{"type": "lifespan.startup"}])

    async def receive() -> dict[str, Any]:
        return next(received)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    with pytest.raises(Exception, match=r"(?i)127\.0\.0\.1|connect"):
        await asyncio.wait_for(app(scope, receive, send), 30)  # Starlette re-raises it
    assert [m["type"] for m in sent] == ["lifespan.startup.failed"]
    text = sent[0]["message"]
    assert "127.0.0.1" in text or "connect" in text.lower()
    assert not router.broker.running

"""AsgiFastStream in-process: the lifespan protocol, routing, handlers and endpoints."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from faststream_fastapi import FastStream
from faststream_fastapi.asgi import (
    AsgiFastStream,
    AsgiResponse,
    get,
    make_asyncapi_asgi,
    make_ping_asgi,
)
from faststream_fastapi.redis import RedisBroker, TestRedisBroker


def client(app: Any, base: str = "http://test") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)


# -- lifespan ------------------------------------------------------------------


async def test_startup_fails_with_the_cause_when_the_broker_cannot_connect(lifespan: Any) -> None:
    app = AsgiFastStream(RedisBroker("redis://127.0.0.1:1"), logger=None)
    driver = lifespan(app)
    started = time.monotonic()
    message = await driver.startup()
    assert message["type"] == "lifespan.startup.failed"
    assert "127.0.0.1:1" in message["message"]
    assert "BrokerConnectionError" in message["message"]
    await driver.finished()  # the app returns: nothing hangs
    assert time.monotonic() - started < 8


async def test_a_failing_on_startup_hook_fails_startup_and_skips_the_rest(lifespan: Any) -> None:
    calls: list[str] = []
    app = AsgiFastStream(logger=None)

    @app.on_startup
    def boom() -> None:
        raise RuntimeError("config missing")

    @app.after_startup
    def after() -> None:
        calls.append("after_startup")

    driver = lifespan(app)
    message = await driver.startup()
    assert message == {
        "type": "lifespan.startup.failed",
        "message": "RuntimeError: config missing",
    }
    await driver.finished()
    assert calls == []


@pytest.mark.redis
async def test_startup_completes_only_after_hooks_and_broker_start(
    lifespan: Any, name: str
) -> None:
    broker = RedisBroker("redis://127.0.0.1:6379")
    events: list[str] = []

    @broker.subscriber(name)
    async def handle(msg: str) -> None:
        events.append(f"message {msg}")

    app = AsgiFastStream(broker, logger=None)

    @app.on_startup
    async def slow_setup() -> None:
        await asyncio.sleep(0.2)
        events.append(f"on_startup running={broker.running}")

    @app.after_startup
    def ready() -> None:
        events.append(f"after_startup running={broker.running}")

    @app.on_shutdown
    def closing() -> None:
        events.append(f"on_shutdown running={broker.running}")

    @app.after_shutdown
    async def closed() -> None:
        events.append(f"after_shutdown running={broker.running}")

    driver = lifespan(app)
    message = await driver.startup()
    events.append(message["type"])
    assert events == [
        "on_startup running=False",
        "after_startup running=True",
        "lifespan.startup.complete",
    ]
    async with RedisBroker("redis://127.0.0.1:6379") as publisher:
        await publisher.publish("hi", name)
        for _ in range(200):
            if "message hi" in events:
                break
            await asyncio.sleep(0.01)
    assert "message hi" in events
    message = await driver.shutdown()
    assert message == {"type": "lifespan.shutdown.complete"}
    assert events[-2:] == ["on_shutdown running=True", "after_shutdown running=False"]


async def test_an_app_without_a_broker_runs_its_hooks(lifespan: Any) -> None:
    calls: list[str] = []
    app = AsgiFastStream(
        on_startup=[lambda: calls.append("on_startup")],
        after_startup=[lambda: calls.append("after_startup")],
        on_shutdown=[lambda: calls.append("on_shutdown")],
        after_shutdown=[lambda: calls.append("after_shutdown")],
        logger=None,
    )
    driver = lifespan(app)
    assert (await driver.startup())["type"] == "lifespan.startup.complete"
    assert (await driver.shutdown())["type"] == "lifespan.shutdown.complete"
    assert calls == ["on_startup", "after_startup", "on_shutdown", "after_shutdown"]


async def test_a_failing_shutdown_hook_reports_shutdown_failed(lifespan: Any) -> None:
    app = AsgiFastStream(logger=None)

    @app.on_shutdown
    def boom() -> None:
        raise ValueError("disk full")

    driver = lifespan(app)
    assert (await driver.startup())["type"] == "lifespan.startup.complete"
    message = await driver.shutdown()
    assert message == {"type": "lifespan.shutdown.failed", "message": "ValueError: disk full"}


async def test_the_lifespan_is_restartable(lifespan: Any) -> None:
    calls: list[str] = []
    app = AsgiFastStream(on_startup=[lambda: calls.append("start")], logger=None)
    async with TestRedisBroker(RedisBroker()) as br:
        app.set_broker(br)
        for _ in range(2):
            driver = lifespan(app)
            assert (await driver.startup())["type"] == "lifespan.startup.complete"
            assert (await driver.shutdown())["type"] == "lifespan.shutdown.complete"
    assert calls == ["start", "start"]


async def test_the_user_lifespan_wraps_the_hooks(lifespan: Any) -> None:
    from contextlib import asynccontextmanager

    calls: list[str] = []

    @asynccontextmanager
    async def resources(env: str = "dev") -> Any:
        calls.append(f"enter {env}")
        yield
        calls.append("exit")

    app = AsgiFastStream(lifespan=resources, logger=None)
    app.on_startup(lambda: calls.append("on_startup"))
    app.after_shutdown(lambda: calls.append("after_shutdown"))
    app._run_options["env"] = "prod"
    driver = lifespan(app)
    assert (await driver.startup())["type"] == "lifespan.startup.complete"
    assert (await driver.shutdown())["type"] == "lifespan.shutdown.complete"
    assert calls == ["enter prod", "on_startup", "after_shutdown", "exit"]


# -- routing -------------------------------------------------------------------


@get
async def hello(scope: Scope) -> AsgiResponse:
    return AsgiResponse(b"hello", status_code=200, headers={"x-kind": "greeting"})


async def test_get_answers_get_and_head_and_405s_other_methods() -> None:
    app = AsgiFastStream(asgi_routes=[("/hello", hello)], logger=None)
    async with client(app) as http:
        got = await http.get("/hello")
        assert (got.status_code, got.content, got.headers["x-kind"]) == (200, b"hello", "greeting")
        head = await http.head("/hello")
        assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", "5")
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            refused = await http.request(method, "/hello")
            assert refused.status_code == 405
            assert refused.headers["allow"] == "GET, HEAD"


async def test_handlers_match_their_exact_path_only() -> None:
    app = AsgiFastStream(asgi_routes=[("/hello", hello)], logger=None)
    async with client(app) as http:
        for path in ("/hello/", "/hello/x", "/hellos", "/"):
            missing = await http.get(path)
            assert missing.status_code == 404, path
            assert missing.text == "Not Found"
            assert missing.headers["content-type"].startswith("text/plain")


async def test_unknown_websocket_is_closed_with_1000(asgi_call: Any) -> None:
    app = AsgiFastStream(asgi_routes=[("/hello", hello)], logger=None)
    for path in ("/nowhere", "/hello"):
        scope = {"type": "websocket", "path": path}
        sent = await asgi_call(app, scope, {"type": "websocket.connect"})
        assert sent[0]["type"] == "websocket.close"
        assert sent[0]["code"] == 1000


async def test_sync_handlers_and_failing_handlers() -> None:
    @get
    def sync_endpoint(scope: Scope) -> AsgiResponse:
        return AsgiResponse(scope["path"].encode(), status_code=202)

    @get
    async def broken(scope: Scope) -> AsgiResponse:
        raise RuntimeError("bug")

    @get()
    async def wrong_type(scope: Scope) -> Any:
        return b"not a response"

    app = AsgiFastStream(
        asgi_routes=[("/sync", sync_endpoint), ("/broken", broken), ("/wrong", wrong_type)],
        logger=None,
    )
    async with client(app) as http:
        answer = await http.get("/sync")
        assert (answer.status_code, answer.text) == (202, "/sync")
        assert (await http.get("/broken")).status_code == 500
        assert (await http.get("/wrong")).status_code == 500


class Recorder:
    def __init__(self) -> None:
        self.scopes: list[Scope] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scopes.append(scope)
        await AsgiResponse(b"mounted")(scope, receive, send)


async def test_mounted_apps_match_by_prefix_with_root_path() -> None:
    recorder = Recorder()
    app = AsgiFastStream(logger=None)
    app.mount("/metrics", recorder)
    async with client(app) as http:
        for path in ("/metrics", "/metrics/", "/metrics/a/b"):
            assert (await http.get(path)).text == "mounted"
        assert (await http.get("/metricsx")).status_code == 404
        assert (await http.post("/metrics")).text == "mounted"  # methods are the app's business
    assert [(s["root_path"], s["path"]) for s in recorder.scopes] == [
        ("/metrics", "/metrics"),
        ("/metrics", "/metrics/"),
        ("/metrics", "/metrics/a/b"),
        ("/metrics", "/metrics"),
    ]


async def test_static_files_mount(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("static content")
    app = AsgiFastStream(asgi_routes=[("/static", StaticFiles(directory=tmp_path))], logger=None)
    async with client(app) as http:
        found = await http.get("/static/a.txt")
        assert (found.status_code, found.text) == (200, "static content")
        assert (await http.get("/static/missing.txt")).status_code == 404


async def test_routes_are_tried_in_order_and_respect_an_outer_root_path() -> None:
    inner = Recorder()
    app = AsgiFastStream(asgi_routes=[("/hello", hello), ("/", inner)], logger=None)
    async with client(app) as http:
        assert (await http.get("/hello")).text == "hello"
        assert (await http.get("/other")).text == "mounted"
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "GET", "path": "/svc/hello", "root_path": "/svc"}
    await app(scope, receive, send)
    assert sent[1]["body"] == b"hello"


# -- endpoints ---------------------------------------------------------------


async def test_ping_is_204_when_the_broker_answers() -> None:
    broker = RedisBroker()
    app = AsgiFastStream(broker, asgi_routes=[("/health", make_ping_asgi(broker))], logger=None)
    async with TestRedisBroker(broker), client(app) as http:
        answer = await http.get("/health")
        assert (answer.status_code, answer.content) == (204, b"")


async def test_ping_is_500_when_the_broker_is_not_connected() -> None:
    broker = RedisBroker("redis://127.0.0.1:1")
    app = AsgiFastStream(broker, asgi_routes=[("/health", make_ping_asgi(broker))], logger=None)
    async with client(app) as http:
        assert (await http.get("/health")).status_code == 500


class SlowBroker(RedisBroker):
    async def ping(self, timeout: float = 5.0) -> bool:
        await asyncio.sleep(30)  # ignores its timeout, as a stuck client might
        return True


async def test_ping_answers_within_its_timeout() -> None:
    broker = SlowBroker()
    app = AsgiFastStream(asgi_routes=[("/health", make_ping_asgi(broker, timeout=0.2))])
    async with client(app) as http:
        started = time.monotonic()
        assert (await http.get("/health")).status_code == 500
        assert time.monotonic() - started < 2


def test_ping_needs_a_finite_positive_timeout() -> None:
    for bad in (0, -1, float("inf"), float("nan")):
        with pytest.raises(ValueError):
            make_ping_asgi(RedisBroker(), timeout=bad)
    assert make_ping_asgi(RedisBroker()).timeout == 5.0  # type: ignore[attr-defined]


async def test_asyncapi_path_serves_html_json_and_yaml(name: str) -> None:
    broker = RedisBroker()

    @broker.subscriber(name, description="orders to fulfil")
    async def handle(msg: dict[str, int]) -> None: ...

    app = AsgiFastStream(broker, asyncapi_path="/docs", title="Orders", logger=None)
    async with client(app) as http:
        page = await http.get("/docs")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert 'data-schema-url="docs.json"' in page.text  # links relative to /docs
        assert (await http.get("/docs/static/page.js")).status_code == 200
        document = (await http.get("/docs.json")).json()
        assert document["info"]["title"] == "Orders"
        assert any(c["address"] == name for c in document["channels"].values())
        yaml_doc = await http.get("/docs.yaml")
        assert yaml_doc.headers["content-type"].startswith("application/yaml")
        assert "Orders" in yaml_doc.text
        assert (await http.post("/docs")).status_code == 405
        assert (await http.get("/docs/x")).status_code == 404


async def test_asyncapi_page_mounts_in_fastapi(name: str) -> None:
    broker = RedisBroker()

    @broker.subscriber(name)
    async def handle(msg: str) -> None: ...

    api = FastAPI()
    api.mount("/asyncapi", make_asyncapi_asgi(FastStream(broker, title="Mounted")))
    async with client(api) as http:
        page = await http.get("/asyncapi", follow_redirects=True)
        assert page.status_code == 200
        assert page.url.path == "/asyncapi/"
        assert 'data-schema-url="asyncapi.json"' in page.text  # relative to /asyncapi/
        assert (await http.get("/asyncapi/static/page.js")).status_code == 200
        document = (await http.get("/asyncapi/asyncapi.json")).json()
        assert document["info"]["title"] == "Mounted"
        assert "Mounted" in (await http.get("/asyncapi/asyncapi.yaml")).text


async def test_as_asgi_shares_hooks_and_metadata(lifespan: Any) -> None:
    calls: list[str] = []
    plain = FastStream(title="Shared", version="2.0", logger=None)
    asgi = plain.as_asgi(asgi_routes=[("/hello", hello)], asyncapi_path="/docs")
    plain.on_startup(lambda: calls.append("added after as_asgi"))
    assert isinstance(asgi, AsgiFastStream)
    assert (asgi.title, asgi.version) == ("Shared", "2.0")
    assert [p for p, _ in asgi.routes] == ["/hello", "/docs"]
    driver = lifespan(asgi)
    assert (await driver.startup())["type"] == "lifespan.startup.complete"
    assert (await driver.shutdown())["type"] == "lifespan.shutdown.complete"
    assert calls == ["added after as_asgi"]


def test_mount_paths_start_with_a_slash() -> None:
    with pytest.raises(ValueError):
        AsgiFastStream().mount("health", hello)


async def test_a_cancelled_lifespan_still_stops_the_app(lifespan: Any) -> None:
    calls: list[str] = []
    app = AsgiFastStream(after_shutdown=[lambda: calls.append("after_shutdown")], logger=None)
    driver = lifespan(app)
    assert (await driver.startup())["type"] == "lifespan.startup.complete"
    driver.task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await driver.finished()
    assert calls == ["after_shutdown"]


def test_bind_addresses() -> None:
    from faststream_fastapi.asgi.server import parse_bind, resolve_binds

    assert str(parse_bind("0.0.0.0:8000")) == "0.0.0.0:8000"
    assert str(parse_bind("[::]:9000")) == "[::]:9000"
    assert str(parse_bind("localhost")) == "localhost:8000"
    assert str(parse_bind("unix:/tmp/a.sock")) == "unix:/tmp/a.sock"
    assert str(parse_bind("fd://3")) == "fd://3"
    for bad in ("host:port", "unix:", "fd://x", "[::1", "h:70000"):
        with pytest.raises(ValueError):
            parse_bind(bad)
    assert resolve_binds() == ["127.0.0.1:8000"]
    assert resolve_binds(port=9000) == ["127.0.0.1:9000"]
    assert resolve_binds(host="::") == ["[::]:8000"]
    assert resolve_binds(bind=["unix:/a"]) == ["unix:/a"]
    assert resolve_binds("0.0.0.0", 1, ["unix:/a"]) == ["unix:/a", "0.0.0.0:1"]


async def test_an_asgi_app_serves_the_faststream_app_it_composes(lifespan: Any) -> None:
    from faststream_fastapi import Context, context

    seen: list[Any] = []
    asgi = AsgiFastStream(title="Direct", logger=None)

    @asgi.after_startup
    def hook(application: Any = Context("app")) -> None:
        seen.extend([application, context.get("app")])

    assert isinstance(asgi.app, FastStream) and asgi.app.title == "Direct"
    driver = lifespan(asgi)
    assert (await driver.startup())["type"] == "lifespan.startup.complete"
    assert (await driver.shutdown())["type"] == "lifespan.shutdown.complete"
    assert seen == [asgi, asgi]  # hooks see the app they were registered on

    plain = FastStream(logger=None)
    view = plain.as_asgi()
    broker = RedisBroker()
    plain.set_broker(broker)
    view.app.title = "Renamed"
    assert view.app is plain
    assert (view.broker, plain.title) == (broker, "Renamed")  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="titel"):
        AsgiFastStream(titel="typo")  # type: ignore[call-arg]


def test_the_asgi_app_exposes_every_attribute_of_the_app_it_serves() -> None:
    plain = FastStream(logger=None)
    asgi = AsgiFastStream.from_app(plain)
    public = [name for name in dir(plain) if not name.startswith("_")]
    for name in [*public, "_run_options"]:
        if name in ("as_asgi", "run"):  # run serves HTTP; as_asgi it already is
            continue
        assert hasattr(asgi, name), name
        if not callable(getattr(plain, name)):
            assert getattr(asgi, name) is getattr(plain, name), name

"""FastStream: hooks and their options, start/stop order, run() and exit(), TestApp."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from typing import Any

import pytest

from faststream_fastapi import Context, FastStream, Logger, TestApp, context
from faststream_fastapi.redis import RedisBroker, TestRedisBroker


async def test_on_startup_hooks_get_the_options_they_name_converted() -> None:
    seen: dict[str, Any] = {}
    app = FastStream(logger=None)

    @app.on_startup
    def typed(env: str, port: int, debug: bool = False) -> None:
        seen.update(env=env, port=port, debug=debug)

    @app.on_startup
    async def everything(**options: Any) -> None:
        seen["all"] = options

    @app.on_startup
    def nothing() -> None:
        seen["nothing"] = True

    await app.start(env="prod", port="8080", debug="true", extra="x")
    assert seen == {
        "env": "prod",
        "port": 8080,
        "debug": True,
        "all": {"env": "prod", "port": "8080", "debug": "true", "extra": "x"},
        "nothing": True,
    }
    await app.stop()


async def test_a_missing_required_option_names_the_flag() -> None:
    app = FastStream(logger=None)

    @app.on_startup
    def needs(log_file: str) -> None: ...

    with pytest.raises(TypeError, match="--log-file"):
        await app.start()


async def test_hooks_can_ask_for_the_app_broker_and_logger_from_the_context() -> None:
    seen: list[Any] = []
    broker = RedisBroker()
    app = FastStream(broker, logger=logging.getLogger("test-app"))

    @app.after_startup
    def hook(
        logger: Logger, application: Any = Context("app"), br: Any = Context("broker")
    ) -> None:
        seen.extend([logger.name, application, br])

    async with TestRedisBroker(broker):
        await app.start()
        await app.stop()
    assert seen == ["test-app", app, broker]


async def test_hooks_take_depends_as_in_faststream_05() -> None:
    from fastapi import Depends

    app = FastStream(logger=None)
    seen: list[Any] = []

    @app.on_startup
    def hook(x: Any = Depends(lambda: 1)) -> None:
        seen.append(x)

    await app.start()
    await app.stop()
    assert seen == [1]


@pytest.mark.redis
async def test_start_and_stop_order_around_the_broker() -> None:
    broker = RedisBroker("redis://127.0.0.1:6379")
    order: list[str] = []
    app = FastStream(
        broker,
        logger=None,
        on_startup=[lambda: order.append(f"on_startup {broker.running}")],
        after_startup=[lambda: order.append(f"after_startup {broker.running}")],
        on_shutdown=[lambda: order.append(f"on_shutdown {broker.running}")],
        after_shutdown=[lambda: order.append(f"after_shutdown {broker.running}")],
    )
    async with app.running():
        order.append("running")
    assert order == [
        "on_startup False",
        "after_startup True",
        "running",
        "on_shutdown True",
        "after_shutdown False",
    ]


async def test_the_broker_closes_even_if_an_on_shutdown_hook_fails() -> None:
    broker = RedisBroker()
    app = FastStream(broker, logger=None)

    @app.on_shutdown
    def boom() -> None:
        raise RuntimeError("hook failed")

    async with TestRedisBroker(broker):
        await app.start()
        with pytest.raises(RuntimeError, match="hook failed"):
            await app.stop()
        assert not broker.running


@pytest.mark.redis
async def test_set_broker_from_an_on_startup_hook() -> None:
    app = FastStream(logger=None)

    @app.on_startup
    def choose(url: str) -> None:
        app.set_broker(RedisBroker(url))

    await app.start(url="redis://127.0.0.1:6379")
    broker = app.broker
    assert broker is not None and broker.running
    assert await broker.ping(2.0)
    await app.stop()
    assert not broker.connected


async def test_run_returns_after_exit_and_runs_the_shutdown_hooks() -> None:
    calls: list[str] = []
    app = FastStream(logger=None)

    @app.after_startup
    async def stop_soon() -> None:
        calls.append("started")
        asyncio.get_running_loop().call_later(0.05, app.exit)

    @app.after_shutdown
    def done() -> None:
        calls.append("stopped")

    await asyncio.wait_for(app.run(), 5)
    assert calls == ["started", "stopped"]


async def test_run_passes_options_to_the_hooks_and_the_lifespan() -> None:
    calls: list[str] = []

    @asynccontextmanager
    async def lifespan(env: str) -> Any:
        calls.append(f"lifespan {env}")
        yield

    app = FastStream(lifespan=lifespan, logger=None)

    @app.on_startup
    def hook(env: str) -> None:
        calls.append(f"hook {env}")
        app.exit()

    await asyncio.wait_for(app.run(run_extra_options={"env": "prod"}), 5)
    assert calls == ["lifespan prod", "hook prod"]


async def test_run_closes_the_broker_when_startup_fails() -> None:
    broker = RedisBroker("redis://127.0.0.1:1")
    app = FastStream(broker, logger=None)
    with pytest.raises(ConnectionError):
        await asyncio.wait_for(app.run(), 10)
    assert not broker.connected and not broker.running


async def test_test_app_runs_hooks_around_a_test_broker(name: str) -> None:
    broker = RedisBroker()
    calls: list[str] = []
    got: list[str] = []

    @broker.subscriber(name)
    async def handle(msg: str) -> None:
        got.append(msg)

    app = FastStream(broker, logger=None)

    @app.on_startup
    def setup(env: str = "dev") -> None:
        calls.append(f"on_startup {env}")

    @app.after_shutdown
    def teardown() -> None:
        calls.append("after_shutdown")

    async with TestRedisBroker(app.broker) as br, TestApp(app, {"env": "test"}) as running:
        assert running is app
        await br.publish("hello", name)
        assert calls == ["on_startup test"]
    assert got == ["hello"]
    assert calls == ["on_startup test", "after_shutdown"]


async def test_two_apps_in_one_process_each_see_their_own() -> None:
    """The app is scoped to its own run (its task and the tasks it starts), not global."""
    seen: list[tuple[str, str, str]] = []
    up = {"one": asyncio.Event(), "two": asyncio.Event()}

    def make(name: str) -> FastStream:
        app = FastStream(logger=None, title=name)

        @app.after_startup
        async def started(application: Any = Context("app")) -> None:
            up[name].set()
            await asyncio.gather(*(event.wait() for event in up.values()))  # both running
            seen.append((name, application.title, context.get("app").title))

        return app

    async def run(app: FastStream) -> None:
        async with app.running():
            pass

    one, two = make("one"), make("two")
    await asyncio.wait_for(asyncio.gather(run(one), run(two)), 5)
    assert sorted(seen) == [("one", "one", "one"), ("two", "two", "two")]
    assert context.get("app") is None

    async with TestApp(one):
        assert context.get("app") is one
        async with TestApp(two):
            assert context.get("app") is two
        assert context.get("app") is one
    assert "app" not in context


def test_unknown_options_are_refused() -> None:
    with pytest.raises(TypeError, match="titel"):
        FastStream(titel="typo")  # type: ignore[call-arg]


def test_sync_test_app_runs_the_hooks_around_a_with_block() -> None:
    calls: list[str] = []
    app = FastStream(logger=None)
    app.on_startup(lambda: calls.append("on"))
    app.on_shutdown(lambda: calls.append("off"))
    with TestApp(app) as running:
        assert running is app
        assert calls == ["on"]
    assert calls == ["on", "off"]

    with pytest.raises(ValueError, match="inside"), TestApp(app):
        raise ValueError("inside")
    assert calls == ["on", "off", "on", "off"]


def test_the_options_may_follow_the_broker_by_position_and_broker_by_keyword() -> None:
    broker = RedisBroker()
    quiet = FastStream(broker, None)
    assert quiet.broker is broker and quiet.logger is None
    named = FastStream(broker=broker, title="T")
    assert named.broker is broker and named.title == "T"
    custom = logging.getLogger("positional")
    assert FastStream(broker, custom, None, "Title").title == "Title"
    with pytest.raises(TypeError, match="multiple values for argument 'logger'"):
        FastStream(broker, None, logger=None)
    with pytest.raises(TypeError, match="positional"):
        FastStream(broker, *([None] * 16))

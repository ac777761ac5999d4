"""FastStream 0.5's routing API under each test broker (scenarios: ``route_scenarios``)."""

import pytest
from route_scenarios import (
    KITS,
    exceptions_and_publisher_middlewares,
    late_subscriber,
    routes_and_includes,
)

from faststream_fastapi import Depends
from faststream_fastapi.asyncapi import get_app_schema
from faststream_fastapi.core.errors import SetupError
from faststream_fastapi.middlewares import ExceptionMiddleware
from faststream_fastapi.redis import (
    RedisBroker,
    RedisPublisher,
    RedisRoute,
    RedisRouter,
    TestRedisBroker,
)
from faststream_fastapi.redis.fastapi import RedisRouter as FastAPIRedisRouter

each_kit = pytest.mark.parametrize("kit", list(KITS), ids=list(KITS))


@each_kit
async def test_routes_and_includes(kit: str, name: str) -> None:
    await routes_and_includes(KITS[kit], False, name)


@each_kit
async def test_late_subscriber(kit: str, name: str) -> None:
    await late_subscriber(KITS[kit], False, name)


@each_kit
async def test_exceptions_and_publisher_middlewares(kit: str, name: str) -> None:
    await exceptions_and_publisher_middlewares(KITS[kit], False, name)


def test_declarations_are_checked() -> None:
    other = RedisBroker()
    sub = other.subscriber("x")
    with pytest.raises(SetupError, match="no handler yet"):
        sub.subscriber  # noqa: B018
    sub(lambda body: None)
    with pytest.raises(SetupError, match="is not a subscriber of"):
        RedisBroker().setup_subscriber(sub)
    with pytest.raises(SetupError, match="is not a publisher of"):
        RedisBroker().setup_publisher(other.publisher("y"))
    with pytest.raises(TypeError, match="exactly one of channel"):
        RedisRouter(handlers=[RedisRoute(lambda body: None)])
    with pytest.raises(SetupError, match="neither the exception nor a Context\\(\\) or Depends"):
        ExceptionMiddleware(handlers={ValueError: lambda exc, other: None})
    route = RedisRoute(print, "in", publishers=[RedisPublisher("out")], no_ack=True)
    assert (route.args, route.kwargs, route.publishers[0].args) == (
        ("in",),
        {"no_ack": True},
        ("out",),
    )


def test_include_in_schema_false_leaves_them_out() -> None:
    broker, hidden, shown = RedisBroker(), RedisRouter(), RedisRouter()
    hidden.publisher("hidden-out")(hidden.subscriber("hidden-in")(lambda body: None))
    shown.subscriber("shown-in")(lambda body: None)
    broker.include_router(hidden, include_in_schema=False)
    broker.include_router(shown)
    channels = get_app_schema(broker, "3.0.0")["channels"]
    assert [c["address"] for c in channels.values()] == ["shown-in"]


async def test_a_nested_fastapi_router_runs_its_dependencies_once() -> None:
    calls: list[str] = []
    core = FastAPIRedisRouter(dependencies=[Depends(lambda: calls.append("core"))])
    nested = FastAPIRedisRouter(dependencies=[Depends(lambda: calls.append("nested"))])

    @nested.subscriber("in")
    async def handler(body: str) -> None:
        calls.append(body)

    core.include_router(nested)
    async with TestRedisBroker(core.broker) as br:
        await br.publish("m", "in")
    # A FastAPI router's dependencies are its own subscribers' (as its HTTP routes').
    assert calls == ["nested", "m"]


@each_kit
def test_routes_show_the_parameters_of_subscriber_and_publisher(kit: str) -> None:
    import inspect
    import pydoc

    pkg = KITS[kit].pkg
    prefix = "Kafka" if kit in ("kafka", "confluent") else kit.capitalize()
    route, publisher = getattr(pkg, f"{prefix}Route"), getattr(pkg, f"{prefix}Publisher")
    broker = getattr(pkg, f"{prefix}Broker")
    shown = inspect.signature(route).parameters
    declared = list(inspect.signature(broker.subscriber).parameters)[1:]
    assert next(iter(shown)) == "call"
    # The subscriber's own parameters, its options spelled out, and publishers=.
    for name in [*(n for n in declared if n not in ("options", "consumer_options")), "title"]:
        assert name in shown, name
    assert {"publishers", "filter", "no_ack", "include_in_schema"} <= set(shown)
    assert shown["title"].default is None and shown["include_in_schema"].default is True
    published = inspect.signature(publisher).parameters
    assert {"title", "schema", "middlewares"} <= set(published)
    assert "publishers" not in published and "call" not in published
    assert "publishers" in pydoc.render_doc(route)
    # What the signature binds is what the route keeps.
    bound = inspect.signature(route).bind(print, "x", title="t")
    made = route(*bound.args, **bound.kwargs)
    assert (made.call, made.args, made.kwargs) == (print, ("x",), {"title": "t"})

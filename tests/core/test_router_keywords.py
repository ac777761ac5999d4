"""A ``StreamRouter``'s constructor takes FastAPI's ``APIRouter`` keywords and FastStream 0.5's.

In memory: what is checked is where each keyword goes, not a broker.
"""

from __future__ import annotations

import importlib
import inspect
from types import ModuleType

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from faststream_fastapi.core.fastapi_compat import API_ROUTER_PARAMETERS

PACKAGES = ["kafka", "confluent", "nats", "rabbit", "redis"]
ROUTERS = {"kafka": "KafkaRouter", "confluent": "KafkaRouter"}


def router_class(name: str) -> type[APIRouter]:
    module: ModuleType = importlib.import_module(f"faststream_fastapi.{name}.fastapi")
    cls: type[APIRouter] = getattr(module, ROUTERS.get(name, f"{name.title()}Router"))
    return cls


@pytest.fixture(params=PACKAGES)
def cls(request: pytest.FixtureRequest) -> type[APIRouter]:
    return router_class(request.param)


def test_every_api_router_keyword_reaches_api_router(cls: type[APIRouter]) -> None:
    installed = {p.name for p in API_ROUTER_PARAMETERS}
    # The set is read from the installed FastAPI, not kept by hand.
    assert installed == set(inspect.signature(APIRouter.__init__).parameters) - {"self"}
    router = cls(prefix="/p", tags=["t"], deprecated=True, redirect_slashes=False)
    assert (router.prefix, router.tags, router.deprecated) == ("/p", ["t"], True)
    assert router.redirect_slashes is False
    client_options = router.broker._transport.__dict__  # type: ignore[attr-defined]
    assert "prefix" not in repr(client_options)


def test_newer_api_router_keywords_do_not_reach_the_broker(cls: type[APIRouter]) -> None:
    # Whatever the installed FastAPI's APIRouter takes (on 0.165: strict_content_type,
    # max_body_size, form_limits, ...), given at its default, goes to APIRouter.
    given = {
        p.name: p.default
        for p in API_ROUTER_PARAMETERS
        if p.default is not inspect.Parameter.empty and p.name not in {"lifespan", "routes"}
    }
    assert {"prefix", "tags", "dependencies"} <= set(given)
    router = cls(**given)

    @router.subscriber("in")
    async def handle(x: int) -> None: ...

    # The broker did not take them as client options: it starts (in memory).
    app = FastAPI(lifespan=router.lifespan_context)
    app.include_router(router)
    with TestClient(app):
        pass


def test_the_signature_shows_the_keywords(cls: type[APIRouter]) -> None:
    params = inspect.signature(cls).parameters
    for name in ("prefix", "tags", "dependencies", "lifespan", "on_startup", "schema_url"):
        assert name in params
    for name in ("include_in_schema", "setup_state", "graceful_timeout", "middlewares", "logger"):
        assert name in params
    first = next(iter(params.values()))
    assert first.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert "self" not in params


def test_on_startup_and_on_shutdown_run_once_each() -> None:
    calls: list[str] = []
    router = router_class("redis")(
        on_startup=[lambda: calls.append("start")],
        on_shutdown=[lambda: calls.append("stop")],
    )
    app = FastAPI(lifespan=router.lifespan_context)
    app.include_router(router)
    with TestClient(app):
        assert calls == ["start"]
    assert calls == ["start", "stop"]


def test_on_startup_runs_when_the_app_merges_the_lifespan() -> None:
    calls: list[str] = []

    async def started() -> None:
        calls.append("start")

    router = router_class("nats")(on_startup=[started])
    app = FastAPI()
    app.include_router(router)
    with TestClient(app):
        pass
    assert calls == ["start"]


def test_dependencies_none_is_no_dependencies(cls: type[APIRouter]) -> None:
    router = cls(dependencies=None)
    assert router.dependencies == []


def test_dependencies_guard_http_routes(cls: type[APIRouter]) -> None:
    def deny() -> None:
        from fastapi import HTTPException

        raise HTTPException(403)

    router = cls(dependencies=[Depends(deny)], schema_url=None)

    @router.get("/x")
    def x() -> str:
        return "x"

    app = FastAPI()
    app.include_router(router)
    assert TestClient(app).get("/x").status_code == 403


def test_include_in_schema_false_serves_no_asyncapi_routes(cls: type[APIRouter]) -> None:
    router = cls(include_in_schema=False)

    @router.get("/http")
    def http() -> str:
        return "ok"

    app = FastAPI()
    app.include_router(router)
    client = TestClient(app)
    for path in ("/asyncapi", "/asyncapi.json", "/asyncapi.yaml", "/asyncapi/static/page.js"):
        assert client.get(path).status_code == 404, path
    # As for any APIRouter: its HTTP routes work and stay out of the OpenAPI schema.
    assert client.get("/http").status_code == 200
    assert "/http" not in client.get("/openapi.json").json()["paths"]


def test_description_is_the_server_description_in_the_document() -> None:
    router = router_class("kafka")(description="orders cluster")
    app = FastAPI()
    app.include_router(router)
    doc = TestClient(app).get("/asyncapi.json").json()
    assert {s["description"] for s in doc["servers"].values()} == {"orders cluster"}


@pytest.mark.parametrize("keyword", ["log_fmt"])
def test_unsupported_faststream_keywords_are_refused_by_name(
    cls: type[APIRouter], keyword: str
) -> None:
    broker_takes = inspect.signature(cls.broker_class.__init__).parameters  # type: ignore[attr-defined]
    if keyword in broker_takes:
        pytest.skip(f"the broker takes {keyword}=")
    with pytest.raises(TypeError, match=rf"{cls.__name__}\(\).*\b{keyword}="):
        cls(**{keyword: "x"})


def test_broker_keywords_reach_the_broker(cls: type[APIRouter]) -> None:
    router = cls(graceful_timeout=3.0, logger=None)
    broker = router.broker  # type: ignore[attr-defined]
    assert broker.graceful_timeout == 3.0

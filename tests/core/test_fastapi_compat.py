"""The FastAPI internals we rely on (``core/fastapi_compat.py``), on the installed FastAPI.

Each test names what it leans on; a FastAPI release that drops or reshapes
one fails here first, loudly, rather than as a subscriber quietly doing
something else.
"""

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import pytest
from fastapi import (
    APIRouter,
    BackgroundTasks,
    Body,
    Cookie,
    Depends,
    FastAPI,
    Header,
    Path,
    Request,
    Response,
    Security,
    WebSocket,
)
from fastapi.security import SecurityScopes
from fastapi.testclient import TestClient
from starlette.requests import HTTPConnection

from faststream_fastapi.core import fastapi_compat as compat
from faststream_fastapi.core.errors import SetupError
from faststream_fastapi.redis import TestRedisBroker
from faststream_fastapi.redis.fastapi import RedisRouter


def _fill(name: str) -> Any:
    """A plain dependency; ``name`` keeps each one a distinct callable."""

    def dep() -> str:
        return name

    dep.__qualname__ = name
    return dep


# -- dependency analysis ----------------------------------------------------------


def test_get_dependant_takes_the_keywords_we_pass() -> None:
    from fastapi.dependencies.utils import get_dependant

    given = set(inspect.signature(get_dependant).parameters)
    assert {"path", "call", "name", "use_cache"} <= given
    scopes = {"own_oauth_scopes", "parent_oauth_scopes"} <= given or "security_scopes" in given
    assert scopes, f"get_dependant() takes no OAuth scopes keyword we know: {sorted(given)}"


def test_typed_signature_resolves_string_annotations() -> None:
    def handler(a: int, b: str) -> None: ...

    handler.__annotations__ = {"a": "int", "b": "str", "return": "None"}
    params = compat.typed_signature(handler).parameters
    assert [p.annotation for p in params.values()] == [int, str]


def test_every_parameter_kind_is_read() -> None:
    def handler(
        request: Request,
        tasks: BackgroundTasks,
        response: Response,
        scopes: SecurityScopes,
        item_id: Annotated[int, Path()],
        x_id: Annotated[str, Header(alias="X-Id")],
        body: Annotated[dict[str, Any], Body()],
        q: int = 0,
    ) -> None: ...

    a = compat.analyse(handler, path="orders.{item_id}", signature_of=handler)
    assert a.call is handler and a.name is None
    assert a.request_name == "request"
    assert a.tasks_name == "tasks"
    assert a.response_name == "response"
    assert a.scopes_name == "scopes"
    assert [(p.name, p.alias) for p in a.path] == [("item_id", "item_id")]
    assert [(p.name, p.alias) for p in a.headers] == [("x_id", "X-Id")]
    assert [p.name for p in a.body] == ["body"]
    assert [p.name for p in a.query] == ["q"]
    assert a.query[0].field_info.annotation is int
    assert a.cookies == [] and a.websocket_name is None
    assert a.use_cache and a.subs == [] and a.scopes == []


def test_http_only_parameters_are_recognised() -> None:
    def ws(socket: WebSocket) -> None: ...

    def conn(connection: HTTPConnection, session: Annotated[str, Cookie()]) -> None: ...

    assert compat.analyse(ws, path="", signature_of=ws).websocket_name == "socket"
    analysed = compat.analyse(conn, path="", signature_of=conn)
    assert analysed.request_name == "connection"
    assert [p.name for p in analysed.cookies] == ["session"]


def test_the_signature_read_can_be_another_callables() -> None:
    def real(a: str) -> None: ...

    def stand_in(b: int) -> None: ...

    a = compat.analyse(real, path="", signature_of=stand_in)
    assert a.call is real and [p.name for p in a.query] == ["b"]


def test_dependencies_their_names_caching_and_order() -> None:
    first, second, inner, nocache = (_fill(n) for n in ("first", "second", "inner", "nocache"))

    def outer(value: Annotated[str, Depends(inner)]) -> str:
        return value

    def handler(
        a: Annotated[str, Depends(outer)], b: Annotated[str, Depends(nocache, use_cache=False)]
    ) -> None: ...

    a = compat.analyse(
        handler, path="", signature_of=handler, dependencies=[Depends(first), Depends(second)]
    )
    assert [(s.call, s.name) for s in a.subs] == [
        (first, None),
        (second, None),
        (outer, "a"),
        (nocache, "b"),
    ]
    assert [s.use_cache for s in a.subs] == [True, True, True, False]
    assert [(s.call, s.name) for s in a.subs[2].subs] == [(inner, "value")]


def test_oauth_scopes_accumulate_from_parents_without_repeats() -> None:
    def leaf(scopes: SecurityScopes) -> list[str]:
        return scopes.scopes

    def middle(v: Annotated[list[str], Security(leaf, scopes=["read", "write"])]) -> None: ...

    def handler(v: Annotated[None, Security(middle, scopes=["read"])]) -> None: ...

    a = compat.analyse(handler, path="", signature_of=handler)
    (mid,) = a.subs
    (lf,) = mid.subs
    assert mid.scopes == ["read"]
    assert lf.scopes == ["read", "write"]
    assert lf.scopes_name == "scopes"


def test_an_override_keeps_name_caching_and_scopes() -> None:
    def leaf() -> str:
        return "real"

    def fake(extra: Annotated[str, Depends(_fill("extra"))]) -> str:
        return extra

    def handler(v: Annotated[str, Security(leaf, scopes=["admin"], use_cache=False)]) -> None: ...

    (sub,) = compat.analyse(handler, path="", signature_of=handler).subs
    replaced = compat.analyse_override(sub, fake, path="")
    assert replaced.call is fake and replaced.name == "v"
    assert replaced.use_cache is False
    assert replaced.scopes == sub.scopes == ["admin"]
    assert [s.name for s in replaced.subs] == ["extra"]


def test_sync_context_managers_run_in_the_thread_pool() -> None:
    import threading

    seen: list[int] = []

    @contextmanager
    def resource() -> Iterator[str]:
        seen.append(threading.get_ident())
        yield "r"

    async def enter() -> str:
        async with compat.contextmanager_in_threadpool(resource()) as value:
            return str(value)

    import asyncio

    assert asyncio.run(enter()) == "r"
    assert seen and seen[0] != threading.get_ident()


# -- which app includes a router --------------------------------------------------


class _Told(compat.IncludeAware):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.told: list[Any] = []

    def included_into(self, provider: Any) -> None:
        self.told.append(provider)


def test_this_fastapi_includes_routers_in_a_way_we_know() -> None:
    assert compat._include_mode() in (compat._ASKS, compat._COPIES)


def test_the_app_is_the_overrides_provider_of_its_router() -> None:
    app = FastAPI()
    assert compat.overrides_provider(app.router) is app
    assert compat.overrides_provider(APIRouter()) is None


def test_an_included_router_is_told_its_app_directly_and_through_others() -> None:
    direct, nested = _Told(), _Told()
    app = FastAPI()
    app.include_router(direct)
    api = APIRouter(prefix="/api")
    api.include_router(nested)
    app.include_router(api)
    assert direct.told == [app]
    assert nested.told == [app]


def test_the_included_router_is_found_again_from_the_app() -> None:
    router = _Told()
    app = FastAPI()
    app.include_router(router)
    kept = [compat.included_router(route) for route in app.router.routes]
    if compat._include_mode() == compat._ASKS:
        assert router in kept
    else:
        assert kept == [None] * len(kept)


def test_the_include_probe_serves_nothing_and_stays_out_of_openapi() -> None:
    router = _Told()
    app = FastAPI()
    app.include_router(router, prefix="/p")
    client = TestClient(app)
    for path in (compat._PROBE_PATH, "/p" + compat._PROBE_PATH):
        assert client.get(path).status_code == 404
    assert app.openapi()["paths"] == {}
    assert len(router.include_probes) == (compat._include_mode() == compat._COPIES)


def test_a_fastapi_including_routers_in_an_unknown_way_fails_at_registration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def include_nothing(self: APIRouter, router: APIRouter, **kwargs: Any) -> None:
        return None

    compat._include_mode.cache_clear()
    monkeypatch.setattr(APIRouter, "include_router", include_nothing)
    try:
        with pytest.raises(SetupError, match="dependency_overrides"):
            RedisRouter()
    finally:
        compat._include_mode.cache_clear()


async def test_overrides_reach_subscribers_without_a_lifespan() -> None:
    router = RedisRouter(schema_url=None)

    def dep() -> str:
        return "real"

    @router.subscriber("in")
    async def handler(msg: str, value: Annotated[str, Depends(dep)]) -> str:
        return value

    app = FastAPI()
    app.include_router(router)
    app.dependency_overrides[dep] = lambda: "override"
    async with TestRedisBroker(router.broker) as br:
        assert (await br.request("x", "in", timeout=1)).decoded() == "override"


async def test_an_app_including_the_router_after_start_overrides_its_next_message() -> None:
    # The straight-line delivery reads no overrides while no app can be found
    # (``AppBinding.searching``); an app found later still applies them.
    router = RedisRouter(schema_url=None)

    async def dep() -> str:
        return "real"

    @router.subscriber("in-late")
    async def handler(msg: str, value: Annotated[str, Depends(dep)]) -> str:
        return value

    async def fake() -> str:
        return "override"

    async with TestRedisBroker(router.broker) as br:
        assert not router.binding.searching
        assert (await br.request("x", "in-late", timeout=1)).decoded() == "real"
        app = FastAPI()
        app.include_router(router)
        app.dependency_overrides[dep] = fake
        assert router.binding.searching
        assert (await br.request("x", "in-late", timeout=1)).decoded() == "override"

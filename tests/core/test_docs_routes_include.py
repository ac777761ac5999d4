"""The AsyncAPI docs routes of a ``StreamRouter`` included more than once (issue #18):
FastAPI reports no duplicate operation ids for them when the router is included in two
apps, or in one app under two prefixes."""

from __future__ import annotations

import warnings

from fastapi import FastAPI

from faststream_fastapi.redis.fastapi import RedisRouter


def _openapi_warnings(app: FastAPI) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app.openapi()
    return [str(w.message) for w in caught]


def test_one_router_in_two_apps() -> None:
    router = RedisRouter()
    apps = [FastAPI(lifespan=router.lifespan_context) for _ in range(2)]
    for app in apps:
        app.include_router(router)
    for app in apps:
        assert _openapi_warnings(app) == []
        docs = sorted(p for p in app.openapi()["paths"] if "asyncapi" in p)
        assert docs == ["/asyncapi", "/asyncapi.json", "/asyncapi.yaml"]


def test_one_router_in_one_app_under_two_prefixes() -> None:
    router = RedisRouter()
    app = FastAPI(lifespan=router.lifespan_context)
    app.include_router(router, prefix="/v1")
    app.include_router(router, prefix="/v2")
    assert _openapi_warnings(app) == []
    docs = [p for p in app.openapi()["paths"] if p.endswith("asyncapi.json")]
    assert sorted(docs) == ["/v1/asyncapi.json", "/v2/asyncapi.json"]

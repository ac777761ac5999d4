"""The AsyncAPI routes a StreamRouter adds: ``{url}``, ``{url}.json``, ``{url}.yaml``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

if TYPE_CHECKING:
    from .router import StreamRouter


def add_docs_routes(
    router: StreamRouter[Any], url: str, include_in_schema: bool, version: str
) -> list[APIRoute]:
    from ..asyncapi import get_app_schema, render_html, to_yaml

    def schema(request: Request) -> dict[str, Any]:
        app = router.binding.find_app() or request.scope.get("app")
        return get_app_schema(router, version=version, app=app)

    async def docs_json(request: Request) -> Response:
        return JSONResponse(schema(request))

    async def docs_yaml(request: Request) -> Response:
        return Response(to_yaml(schema(request)), media_type="application/yaml")

    async def docs_html(request: Request) -> Response:
        return HTMLResponse(render_html(schema(request), json_url=request.url.path + ".json"))

    before = len(router.routes)
    router.add_api_route(url, docs_html, methods=["GET"], include_in_schema=include_in_schema)
    router.add_api_route(
        url + ".json", docs_json, methods=["GET"], include_in_schema=include_in_schema
    )
    router.add_api_route(
        url + ".yaml", docs_yaml, methods=["GET"], include_in_schema=include_in_schema
    )
    return [r for r in router.routes[before:] if isinstance(r, APIRoute)]

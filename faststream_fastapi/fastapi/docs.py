"""The AsyncAPI routes a StreamRouter adds.

``GET {url}`` (the HTML page), ``{url}.json`` (``application/json``),
``{url}.yaml`` (``application/yaml``) and ``{url}/static/{asset}`` (the page's
script and styles, served from the package so the page works offline). They
are ordinary routes of the router: its ``dependencies=`` protect them, and so
do the ``docs_dependencies=`` of the router, which apply to these routes only
(not to subscribers: a message carries no HTTP credentials);
``include_in_schema=False`` keeps them out of the OpenAPI schema.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, params
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..asyncapi import DocsPaths, asset_response, docs_response, get_app_schema
from ..asyncapi.html import Cdn
from ..asyncapi.schema import ROUTER_MARK


class _YAMLResponse(Response):
    media_type = "application/yaml"


def add_docs_routes(
    router: APIRouter,
    url: str,
    include_in_schema: bool,
    version: str,
    *,
    find_app: Callable[[], Any],
    cdn: Cdn = None,
    dependencies: Sequence[params.Depends] = (),
) -> list[APIRoute]:
    """Add the docs routes to ``router``; ``cdn`` loads the viewer from a CDN instead.

    ``find_app()`` is the application the router is included in, if known yet.

    ``dependencies`` guard every one of them, the assets too: a browser sends
    the page's Basic credentials or cookie again for them.
    """
    paths = DocsPaths.for_url(url)
    if not version.startswith(("2", "3")):
        raise ValueError(f"unsupported AsyncAPI version {version!r}: use '3.0.0' or '2.6.0'")

    def schema(request: Request) -> dict[str, Any]:
        app = find_app() or request.scope.get("app")
        return get_app_schema(router, version=version, app=app)

    async def asyncapi_html(request: Request) -> Response:
        return docs_response("html", schema(request), paths, cdn=cdn)

    async def asyncapi_json(request: Request) -> Response:
        return docs_response("json", schema(request), paths, cdn=cdn)

    async def asyncapi_yaml(request: Request) -> Response:
        return docs_response("yaml", schema(request), paths, cdn=cdn)

    async def asyncapi_asset(name: str) -> Response:
        return asset_response(name, cdn=cdn)

    before = len(router.routes)
    for path, endpoint, response_class in (
        (paths.page, asyncapi_html, HTMLResponse),
        (paths.json, asyncapi_json, Response),
        (paths.yaml, asyncapi_yaml, _YAMLResponse),
        (paths.static + "{name}", asyncapi_asset, Response),
    ):
        # Lets ``get_app_schema(fastapi_app)`` find this router again.
        setattr(endpoint, ROUTER_MARK, router)
        router.add_api_route(
            path,
            endpoint,
            methods=["GET"],
            # The assets are plumbing, never part of the OpenAPI schema.
            include_in_schema=include_in_schema and endpoint is not asyncapi_asset,
            response_class=response_class,
            dependencies=list(dependencies),
        )
    return [r for r in router.routes[before:] if isinstance(r, APIRoute)]

"""Ready-made endpoints: a broker health check and the AsyncAPI documentation page."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable
from typing import Any

from starlette.types import Scope

from ..asyncapi import get_app_schema, render_html, to_yaml
from ..core.broker import Broker
from .handlers import AsgiHandler
from .response import AsgiResponse


class PingEndpoint(AsgiHandler):
    """204 when ``broker.ping`` answers within ``timeout`` seconds, 500 otherwise."""

    def __init__(self, broker: Broker, timeout: float) -> None:
        super().__init__(self._ping)
        self.__name__ = "ping"
        self.broker = broker
        self.timeout = timeout

    async def _ping(self, scope: Scope) -> AsgiResponse:
        try:
            alive = await asyncio.wait_for(self.broker.ping(self.timeout), self.timeout)
        except Exception:  # a timeout or a broken connection both mean "not healthy"
            alive = False
        return AsgiResponse(b"", status_code=204 if alive else 500)


def make_ping_asgi(broker: Broker, /, timeout: float = 5.0) -> AsgiHandler:
    """A health endpoint for ``broker``: answers within ``timeout`` seconds, always."""
    if not (isinstance(timeout, int | float) and 0 < timeout < math.inf):
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
    return PingEndpoint(broker, float(timeout))


class AsyncAPIPage(AsgiHandler):
    """The AsyncAPI page: HTML at its path, the document at ``.json`` and ``.yaml`` siblings.

    Routed by ``AsgiFastStream`` at ``/docs``, it answers ``/docs``,
    ``/docs.json`` and ``/docs.yaml``. Mounted with Starlette's ``app.mount``
    at ``/asyncapi``, it answers ``/asyncapi/`` and any ``/asyncapi/*.json`` or
    ``*.yaml``; the page links ``/asyncapi/asyncapi.json``.
    """

    siblings = (".json", ".yaml")

    def __init__(self, document: Callable[[], dict[str, Any]]) -> None:
        super().__init__(self._page)
        self.__name__ = "asyncapi"
        self.document = document

    async def _page(self, scope: Scope) -> AsgiResponse:
        path: str = scope["path"]
        if path.endswith(".json"):
            body = json.dumps(self.document(), ensure_ascii=False).encode()
            return AsgiResponse(body, 200, {"content-type": "application/json"})
        if path.endswith((".yaml", ".yml")):
            body = to_yaml(self.document()).encode()
            return AsgiResponse(body, 200, {"content-type": "application/yaml; charset=utf-8"})
        json_url = path + "asyncapi.json" if path.endswith("/") else path + ".json"
        page = render_html(self.document(), json_url=json_url).encode()
        return AsgiResponse(page, 200, {"content-type": "text/html; charset=utf-8"})


def make_asyncapi_asgi(app: Any, /, version: str = "3.0.0") -> AsgiHandler:
    """The AsyncAPI documentation of ``app`` (a ``FastStream`` app or a broker)."""
    return AsyncAPIPage(lambda: get_app_schema(app, version, app=app))

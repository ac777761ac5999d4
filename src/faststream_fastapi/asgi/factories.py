"""Ready-made endpoints: a broker health check and the AsyncAPI documentation page."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from starlette.types import Scope

from ..core.broker import Broker
from .handlers import AsgiHandler, Responder
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


class ReadyEndpoint(AsgiHandler):
    """204 when ``broker.ready`` (connected, answering, every consumer alive), 503 otherwise."""

    def __init__(self, broker: Broker, timeout: float) -> None:
        super().__init__(self._ready)
        self.__name__ = "ready"
        self.broker = broker
        self.timeout = timeout

    async def _ready(self, scope: Scope) -> AsgiResponse:
        try:
            ready = await asyncio.wait_for(self.broker.ready(self.timeout), self.timeout)
        except Exception:  # a timeout or a broken connection both mean "not ready"
            ready = False
        return AsgiResponse(b"", status_code=204 if ready else 503)


def make_ready_asgi(broker: Broker, /, timeout: float = 5.0) -> AsgiHandler:
    """A readiness endpoint: fails when the broker is unreachable *or* a
    subscriber's consume task has died while the connection is up."""
    if not (isinstance(timeout, int | float) and 0 < timeout < math.inf):
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
    return ReadyEndpoint(broker, float(timeout))


class AsyncAPIPage(AsgiHandler):
    """The AsyncAPI page: HTML at its path; ``.json``, ``.yaml`` and assets beside it.

    Routed by ``AsgiFastStream`` at ``/docs``, it answers ``/docs``,
    ``/docs.json``, ``/docs.yaml`` and ``/docs/static/...``. Mounted with
    Starlette's ``app.mount`` at ``/asyncapi``, it answers ``/asyncapi/``,
    ``/asyncapi/asyncapi.json`` (which that page links), ``.yaml`` and assets.
    """

    siblings = (".json", ".yaml")
    subpaths = ("/static/",)

    def __init__(self, document: Callable[[], Mapping[str, Any]]) -> None:
        from ..asyncapi import AsyncAPIDocs

        super().__init__()
        self.__name__ = "asyncapi"
        self.docs = AsyncAPIDocs(document, path=None)

    async def respond(self, scope: Scope) -> Responder:
        from ..asyncapi import DocsPaths, docs_response

        path: str = scope["path"]
        if path.endswith("/") and path != "/" and "/static/" not in path:
            # A directory URL, as a Starlette mount has it: link what lies below it,
            # which the mount routes here too.
            paths = DocsPaths.for_url(path)
            name = paths.page.rsplit("/", 1)[1]
            paths = replace(paths, json_link=f"{name}.json", static_link="static/")
            return docs_response("html", self.docs.document(), paths, cdn=self.docs.cdn)
        return self.docs.response_for(path)


def make_asyncapi_asgi(app: Any, /, version: str = "3.0.0") -> AsgiHandler:
    """The AsyncAPI documentation of ``app`` (a ``FastStream`` app or a broker)."""

    def document() -> dict[str, Any]:
        from ..asyncapi import get_app_schema

        return get_app_schema(app, version, app=app)

    return AsyncAPIPage(document)

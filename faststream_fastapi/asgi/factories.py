"""Ready-made endpoints: a broker health check and the AsyncAPI documentation page."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

from starlette.types import Scope

from ..core.broker import Broker
from .handlers import AsgiHandler, Responder
from .response import AsgiResponse


class ProbeEndpoint(AsgiHandler):
    """204 when ``check(timeout)`` answers true within ``timeout`` seconds, else ``failure``.

    A timeout or a broken connection both count as a failed check.
    """

    def __init__(
        self,
        name: str,
        check: Callable[[float], Awaitable[bool]],
        timeout: float,
        failure: int,
    ) -> None:
        super().__init__(self._probe)
        self.__name__ = name
        self.check = check
        self.timeout = timeout
        self.failure = failure

    async def _probe(self, scope: Scope) -> AsgiResponse:
        try:
            ok = await asyncio.wait_for(self.check(self.timeout), self.timeout)
        except Exception:
            ok = False
        return AsgiResponse(b"", status_code=204 if ok else self.failure)


def _seconds(timeout: float) -> float:
    if not (isinstance(timeout, int | float) and 0 < timeout < math.inf):
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
    return float(timeout)


def make_ping_asgi(broker: Broker, /, timeout: float | None = 5.0) -> AsgiHandler:
    """A health endpoint for ``broker``: 204 when it answers a ping, 500 otherwise,
    always within ``timeout`` seconds (``None``: no limit, as in FastStream 0.5)."""
    return ProbeEndpoint(
        "ping", broker.ping, math.inf if timeout is None else _seconds(timeout), 500
    )


def make_ready_asgi(broker: Broker, /, timeout: float = 5.0) -> AsgiHandler:
    """A readiness endpoint: 503 when the broker is unreachable *or* a
    subscriber's consume task has died while the connection is up."""
    return ProbeEndpoint("ready", broker.ready, _seconds(timeout), 503)


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

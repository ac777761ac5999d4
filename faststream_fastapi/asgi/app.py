"""``AsgiFastStream``: a FastStream app that is also a small ASGI application.

It serves the ASGI lifespan (hooks and broker), a few HTTP endpoints (health
probes, metrics, AsyncAPI docs) and nothing else: unknown paths get 404, a
websocket to an unknown path is closed.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..app import FastStream, Lifespan, default_logger
from ..core.backoff import Backoff
from ..core.broker import Broker
from ..core.errors import FastStreamError
from .factories import make_asyncapi_asgi
from .handlers import AsgiHandler, close_websocket, route_path
from .response import text_response


class AsgiFastStream(FastStream):
    """A ``FastStream`` app to run under any ASGI server, with ``asgi_routes``.

    A route whose endpoint comes from ``@get`` (or ``make_ping_asgi``)
    answers its exact path; any other ASGI app is mounted: it answers the path
    and everything below it, with ``root_path`` extended by the prefix.
    """

    def __init__(
        self,
        broker: Broker | None = None,
        /,
        asgi_routes: Sequence[tuple[str, ASGIApp]] = (),
        asyncapi_path: str | None = None,
        logger: logging.Logger | None = default_logger,
        lifespan: Lifespan | None = None,
        title: str = "FastStream",
        version: str = "0.1.0",
        description: str = "",
        terms_of_service: str | None = None,
        license: Mapping[str, Any] | None = None,
        contact: Mapping[str, Any] | None = None,
        tags: Sequence[Mapping[str, Any]] | None = None,
        external_docs: Mapping[str, Any] | None = None,
        identifier: str | None = None,
        on_startup: Sequence[Any] = (),
        after_startup: Sequence[Any] = (),
        on_shutdown: Sequence[Any] = (),
        after_shutdown: Sequence[Any] = (),
        start_retry: Backoff | None = None,
    ) -> None:
        super().__init__(
            broker,
            logger=logger,
            lifespan=lifespan,
            title=title,
            version=version,
            description=description,
            terms_of_service=terms_of_service,
            license=license,
            contact=contact,
            tags=tags,
            external_docs=external_docs,
            identifier=identifier,
            on_startup=on_startup,
            after_startup=after_startup,
            on_shutdown=on_shutdown,
            after_shutdown=after_shutdown,
            start_retry=start_retry,
        )
        self.routes: list[tuple[str, ASGIApp]] = []
        for path, endpoint in asgi_routes:
            self.mount(path, endpoint)
        if asyncapi_path:
            self.mount(asyncapi_path, make_asyncapi_asgi(self))

    @classmethod
    def from_app(
        cls,
        app: FastStream,
        asgi_routes: Sequence[tuple[str, ASGIApp]] = (),
        asyncapi_path: str | None = None,
    ) -> AsgiFastStream:
        """``app`` as an ASGI application; hooks are shared, not copied."""
        asgi_app = cls(
            app.broker,
            asgi_routes=asgi_routes,
            asyncapi_path=asyncapi_path,
            logger=app.logger,
            lifespan=app.lifespan_context,
            title=app.title,
            version=app.version,
            description=app.description,
            terms_of_service=app.terms_of_service,
            license=app.license,
            contact=app.contact,
            tags=app.asyncapi_tags,
            external_docs=app.external_docs,
            identifier=app.identifier,
            start_retry=app.start_retry,
        )
        asgi_app._on_startup_calling = app._on_startup_calling
        asgi_app._after_startup_calling = app._after_startup_calling
        asgi_app._on_shutdown_calling = app._on_shutdown_calling
        asgi_app._after_shutdown_calling = app._after_shutdown_calling
        asgi_app._run_options = app._run_options
        return asgi_app

    def mount(self, path: str, route: ASGIApp) -> None:
        """Serve ``route`` at ``path`` (exactly for ``@get`` endpoints, as a prefix otherwise)."""
        if path and not path.startswith("/"):
            raise ValueError(f"a route path starts with '/': {path!r}")
        self.routes.append((path, route))

    async def run(
        self,
        log_level: int = logging.INFO,
        run_extra_options: Mapping[str, Any] | None = None,
        sleep_time: float = 0.1,
    ) -> None:
        """Serve over HTTP with uvicorn until SIGINT or SIGTERM.

        ``host``, ``port`` and ``bind`` in ``run_extra_options`` choose the
        addresses (default ``127.0.0.1:8000``); the other options go to the
        ``on_startup`` hooks.
        """
        from .server import resolve_binds, serve

        options = dict(run_extra_options or {})
        binds = resolve_binds(
            options.pop("host", None), options.pop("port", None), options.pop("bind", None)
        )
        self._run_options.update(options)
        if self.logger is not None:
            self.logger.setLevel(log_level)
        if not await serve(self, binds, log_level=log_level):
            raise RuntimeError(f"{self.title} did not start; see the log above")

    # -- ASGI ----------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(scope, receive, send)
            return
        path = route_path(scope)
        for prefix, endpoint in self.routes:
            if isinstance(endpoint, AsgiHandler):
                if endpoint.matches(prefix, path):
                    await endpoint(scope, receive, send)
                    return
                continue
            base = prefix.rstrip("/")
            if path == base or path.startswith(base + "/"):
                root = scope.get("root_path", "") + base
                await _call_mounted(endpoint, {**scope, "root_path": root}, receive, send)
                return
        await self.not_found(scope, receive, send)

    @asynccontextmanager
    async def start_lifespan_context(self) -> AsyncIterator[None]:
        """Lifespan, hooks and broker: entered when started, left when stopped."""
        async with self.running():
            yield

    async def lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI lifespan protocol: complete only once hooks and broker are up."""
        await receive()  # lifespan.startup
        context = self.start_lifespan_context()
        try:
            await context.__aenter__()
        except Exception as exc:
            self._log_failure("startup failed", exc)
            await send({"type": "lifespan.startup.failed", "message": _describe(exc)})
            return
        await send({"type": "lifespan.startup.complete"})
        try:
            await receive()  # lifespan.shutdown
        except BaseException:  # the server gave up on us (cancelled): still close the broker
            await context.__aexit__(None, None, None)
            raise
        try:
            await context.__aexit__(None, None, None)
        except Exception as exc:
            self._log_failure("shutdown failed", exc)
            await send({"type": "lifespan.shutdown.failed", "message": _describe(exc)})
            return
        await send({"type": "lifespan.shutdown.complete"})

    async def not_found(self, scope: Scope, receive: Receive, send: Send) -> None:
        """404 for HTTP; a websocket is closed with code 1000."""
        if scope["type"] == "websocket":
            await close_websocket(send, "Not Found")
            return
        await text_response("Not Found", 404)(scope, receive, send)

    def _log_failure(self, what: str, exc: Exception) -> None:
        if self.logger is None:
            return
        if isinstance(exc, FastStreamError):  # our errors say what is wrong: no traceback
            self.logger.error("%s: %s: %s", self.title, what, _describe(exc))
        else:
            self.logger.error("%s: %s", self.title, what, exc_info=exc)


async def _call_mounted(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Call a mounted app; a Starlette ``HTTPException`` it raises becomes its response.

    Apps like ``StaticFiles`` raise ``HTTPException(404)`` and rely on
    Starlette's exception middleware, which a plain ASGI host does not have.
    """
    started = False

    async def tracking_send(message: Message) -> None:
        nonlocal started
        started = started or message["type"] in ("http.response.start", "websocket.accept")
        await send(message)

    try:
        await app(scope, receive, tracking_send)
    except HTTPException as exc:
        if started or scope["type"] != "http":
            raise
        await text_response(exc.detail, exc.status_code, exc.headers)(scope, receive, send)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

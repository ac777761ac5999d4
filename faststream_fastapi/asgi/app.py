"""``AsgiFastStream``: a FastStream app served as a small ASGI application.

It serves the ASGI lifespan (the app's hooks and broker), a few HTTP endpoints
(health probes, metrics, AsyncAPI docs) and nothing else: unknown paths get
404, a websocket to an unknown path is closed. It composes the ``FastStream``
it serves and reads and sets that app's attributes through it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Generic, TypeVar, cast, overload

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from typing_extensions import Unpack

from ..app import AppOptions, FastStream, Lifespan
from ..core.backoff import Backoff
from ..core.broker import Broker
from ..core.context import ContextRepo
from ..core.errors import FastStreamError
from ..hooks import Hooks, Registrar
from .factories import make_asyncapi_asgi
from .handlers import AsgiHandler, close_websocket, route_path
from .response import text_response

T = TypeVar("T")


class _OfApp(Generic[T]):
    """An attribute of the served ``FastStream``: read and set on it, never copied."""

    name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, asgi: None, owner: type) -> _OfApp[T]: ...
    @overload
    def __get__(self, asgi: AsgiFastStream, owner: type) -> T: ...

    def __get__(self, asgi: AsgiFastStream | None, owner: type) -> T | _OfApp[T]:
        return self if asgi is None else cast(T, getattr(asgi.app, self.name))

    def __set__(self, asgi: AsgiFastStream, value: T) -> None:
        setattr(asgi.app, self.name, value)


class AsgiFastStream:
    """A ``FastStream`` app to run under any ASGI server, with ``asgi_routes``.

    A route whose endpoint comes from ``@get`` (or ``make_ping_asgi``)
    answers its exact path; any other ASGI app is mounted: it answers the path
    and everything below it, with ``root_path`` extended by the prefix.
    """

    # The served app's attributes and methods, as the reference lists them.
    broker = _OfApp[Broker | None]()
    logger = _OfApp[logging.Logger | None]()
    lifespan_context = _OfApp[Lifespan]()
    title = _OfApp[str]()
    version = _OfApp[str]()
    description = _OfApp[str]()
    terms_of_service = _OfApp[str | None]()
    license = _OfApp[Mapping[str, Any] | None]()
    contact = _OfApp[Mapping[str, Any] | None]()
    asyncapi_tags = _OfApp[Sequence[Mapping[str, Any]] | None]()
    external_docs = _OfApp[Mapping[str, Any] | None]()
    identifier = _OfApp[str | None]()
    start_retry = _OfApp[Backoff | None]()
    context = _OfApp[ContextRepo]()
    context_app = _OfApp[object]()
    hooks = _OfApp[Hooks]()
    _run_options = _OfApp[dict[str, Any]]()
    on_startup = _OfApp[Registrar]()
    after_startup = _OfApp[Registrar]()
    on_shutdown = _OfApp[Registrar]()
    after_shutdown = _OfApp[Registrar]()
    set_broker = _OfApp[Callable[[Broker], None]]()
    start = _OfApp[Callable[..., Awaitable[None]]]()
    stop = _OfApp[Callable[[], Awaitable[None]]]()
    running = _OfApp[Callable[..., AbstractAsyncContextManager[None]]]()

    def __init__(
        self,
        broker: Broker | None = None,
        /,
        asgi_routes: Sequence[tuple[str, ASGIApp]] = (),
        asyncapi_path: str | None = None,
        **options: Unpack[AppOptions],
    ) -> None:
        app = FastStream(broker, **options)
        app.context_app = self
        self._serve(app, asgi_routes, asyncapi_path)

    @classmethod
    def from_app(
        cls,
        app: FastStream,
        asgi_routes: Sequence[tuple[str, ASGIApp]] = (),
        asyncapi_path: str | None = None,
    ) -> AsgiFastStream:
        """``app`` as an ASGI application: its broker, hooks and fields are shared, not copied."""
        asgi = cls.__new__(cls)
        asgi._serve(app, asgi_routes, asyncapi_path)
        return asgi

    def _serve(
        self, app: FastStream, asgi_routes: Sequence[tuple[str, ASGIApp]], asyncapi_path: str | None
    ) -> None:
        #: The application served: the lifespan runs its hooks and broker.
        self.app = app
        self.routes: list[tuple[str, ASGIApp]] = []
        #: The uvicorn server while ``run()`` serves; ``exit()`` stops it.
        self._server: Any = None
        self._exit_requested = False
        for path, endpoint in asgi_routes:
            self.mount(path, endpoint)
        if asyncapi_path:
            self.mount(asyncapi_path, make_asyncapi_asgi(app))

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
        addresses (default ``127.0.0.1:8000``); ``workers`` above 1 serves them
        with gunicorn and that many uvicorn workers, as ``faststream-fastapi run
        --workers N`` does, until SIGINT or SIGTERM; the other options go to the
        ``on_startup`` hooks.
        """
        from .server import resolve_binds, serve

        options = dict(run_extra_options or {})
        binds = resolve_binds(
            options.pop("host", None), options.pop("port", None), options.pop("bind", None)
        )
        workers = int(options.pop("workers", 1))
        self.app._run_options.update(options)
        if workers > 1:
            from ..cli.gunicorn_runner import run_gunicorn

            if run_gunicorn(self, binds, workers, log_level, options):
                raise RuntimeError(f"{self.app.title} workers ended with a failure; see the log")
            return
        if self.app.logger is not None:
            self.app.logger.setLevel(log_level)
        try:
            if not await serve(self, binds, log_level=log_level, on_server=self._serving):
                raise RuntimeError(f"{self.app.title} did not start; see the log above")
        finally:
            self._server, self._exit_requested = None, False

    def _serving(self, server: Any) -> None:
        self._server = server
        server.should_exit = self._exit_requested

    def exit(self) -> None:
        """Stop ``run()``, from any thread: the server stops, then the lifespan ends.

        Also the served app's ``exit()``, for its own ``run()``.
        """
        self._exit_requested = True
        if self._server is not None:
            self._server.should_exit = True
        else:
            self.app.exit()

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
        async with self.app.running():
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
        logger, title = self.app.logger, self.app.title
        if logger is None:
            return
        if isinstance(exc, FastStreamError):  # our errors say what is wrong: no traceback
            logger.error("%s: %s: %s", title, what, _describe(exc))
        else:
            logger.error("%s: %s", title, what, exc_info=exc)


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

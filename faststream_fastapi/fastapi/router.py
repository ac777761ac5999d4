"""``StreamRouter``: a FastAPI ``APIRouter`` that also owns a broker.

Subscribers declared on it get FastAPI's dependency semantics, including the
including app's ``dependency_overrides`` and the lifespan state as
``request.state``. Its lifespan starts the broker; it is idempotent (FastAPI
may enter it twice: once as ``lifespan=`` and once merged from
``include_router``) and restartable.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from enum import Enum
from types import EllipsisType
from typing import Any, ClassVar, Generic, TypeVar, overload

from fastapi import APIRouter, params
from fastapi.routing import APIRoute

from ..core.backoff import Backoff
from ..core.base_middleware import AnyMiddleware
from ..core.broker import Broker, Registry
from ..core.callplan import Overrides
from ..core.errors import FastStreamError, SetupError
from ..core.fastapi_compat import IncludeAware, hide_repeated_inclusions
from ..core.publisher import Publisher
from ..core.startup_failure import shorten_startup_failures
from ..core.subscriber import Handler
from ..hooks import call_hook
from ..security.facade import built_for
from ..security.objects import BaseSecurity
from . import shaping
from .binding import AppBinding
from .docs import add_docs_routes
from .keywords import router_signature, split
from .ready import add_ready_route

B = TypeVar("B", bound=Broker)

Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]]
Hook = Callable[..., Any]


class StreamRouter(IncludeAware, Generic[B]):
    """Base of ``RedisRouter``, ``NatsRouter``, ...: routes for HTTP and messages."""

    broker_class: ClassVar[type[Broker]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "broker_class" in vars(cls):
            # ``help(KafkaRouter)`` and ``inspect.signature`` show every keyword.
            cls.__signature__ = router_signature(StreamRouter.__init__, cls.broker_class)  # type: ignore[attr-defined]

    def __init__(
        self,
        *args: Any,
        schema_url: str | None = "/asyncapi",
        include_in_schema: bool = True,
        setup_state: bool = True,
        prefix: str = "",
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        middlewares: Sequence[AnyMiddleware] = (),
        lifespan: Lifespan | None = None,
        on_startup: Sequence[Hook] | None = None,
        on_shutdown: Sequence[Hook] | None = None,
        graceful_timeout: float = 15.0,
        security: BaseSecurity | None = None,
        request_timeout: float = 10.0,
        log_level: int | None = None,
        logger: logging.Logger | EllipsisType | None = ...,
        max_message_bytes: int | None = None,
        asyncapi_version: str = "3.0.0",
        asyncapi_cdn: bool | str | None = None,
        docs_dependencies: Sequence[params.Depends] = (),
        start_retry: Backoff | None = None,
        **kwargs: Any,
    ) -> None:
        router_kwargs, kwargs, broker_attributes = split(
            type(self).__name__, self.broker_class, kwargs
        )
        super().__init__(
            prefix=prefix,
            tags=tags,
            dependencies=list(dependencies or ()),
            include_in_schema=include_in_schema,
            **router_kwargs,
        )
        # ``Router(..., schema_url=...)`` as the docs write it: ``...`` means "the default".
        args = tuple(arg for arg in args if arg is not Ellipsis)
        with built_for(type(self).__name__):  # a refused keyword names the router
            self.broker: B = self.broker_class(  # type: ignore[assignment]
                *args,
                middlewares=middlewares,
                graceful_timeout=graceful_timeout,
                security=security,
                request_timeout=request_timeout,
                log_level=log_level,
                logger=logger,
                max_message_bytes=max_message_bytes,
                **kwargs,
            )
        for name, value in broker_attributes.items():
            setattr(self.broker, name, value)
        #: Run when the lifespan starts, before the broker; and after it closes.
        self.startup_hooks: list[Hook] = list(on_startup or ())
        self.shutdown_hooks: list[Hook] = list(on_shutdown or ())
        self.setup_state = setup_state
        #: With a ``Backoff``, the lifespan completes while the broker is unreachable
        #: and its start is retried in the background (readiness answers 503 meanwhile).
        self.start_retry = start_retry
        self.schema_url = schema_url
        self.include_in_schema = include_in_schema
        self._user_lifespan = lifespan
        self._after_startup: list[Hook] = []
        self._on_shutdown: list[Hook] = []
        self._running = 0
        self._state: dict[str, Any] | None = None
        self.binding = AppBinding()
        self.lifespan_context = self._lifespan  # type: ignore[assignment]
        self._docs_routes: list[APIRoute] = []
        # As in FastStream 0.5, a router kept out of the schema serves no docs either.
        if schema_url and include_in_schema:
            self._docs_routes = add_docs_routes(
                self,
                schema_url,
                include_in_schema,
                asyncapi_version,
                find_app=self.binding.find_app,
                cdn=asyncapi_cdn,
                dependencies=docs_dependencies,
            )

    def included_into(self, provider: Any) -> None:
        # An app including us, directly or not: its overrides reach our subscribers,
        # and a broker unreachable at its startup is one line under any server.
        self.binding.note_provider(provider)
        shorten_startup_failures(getattr(provider, "router", None))

    # -- declarations --------------------------------------------------------------

    def subscriber(
        self, *args: Any, dependencies: Sequence[params.Depends] = (), **kwargs: Any
    ) -> RouterSubscriber:
        """``@router.subscriber(...)``: the broker's subscriber, with FastAPI semantics.

        ``response_model`` and the ``response_model_*`` options shape the value
        published, as on a FastAPI route.
        """
        response = shaping.pop_options(kwargs)
        decorator = self.broker.subscriber(  # type: ignore[attr-defined]
            *args, dependencies=(*self.dependencies, *dependencies), **kwargs
        )
        return RouterSubscriber(self, decorator, response)

    def publisher(self, *args: Any, **kwargs: Any) -> Publisher:
        """``@router.publisher(...)``: publish the handler's return value."""
        publisher: Publisher = self.broker.publisher(*args, **kwargs)  # type: ignore[attr-defined]
        return publisher

    #: ``router.add_ready_route("/ready", timeout=2.0)``: a readiness route (``ready.py``).
    add_ready_route = add_ready_route

    def after_startup(self, func: Hook) -> Hook:
        """Run ``func(app)`` once the broker is started; a returned mapping joins the state."""
        self._after_startup.append(func)
        return func

    def on_broker_shutdown(self, func: Hook) -> Hook:
        """Run ``func(app)`` before the broker is closed."""
        self._on_shutdown.append(func)
        return func

    def include_router(self, router: APIRouter | Registry, **kwargs: Any) -> None:
        """Include HTTP routes; a nested ``StreamRouter`` also gives us its subscribers.

        A broker-level router gives only its subscribers and publishers
        (``prefix=`` is the one keyword it takes).

        They move onto our broker exactly once; ``router.broker`` then publishes
        through our connection, and its lifespan and docs routes step aside.
        """
        if isinstance(router, Registry):
            # A broker-level router (``faststream_fastapi.nats.NatsRouter()``): its
            # subscribers and publishers join our broker; it has no HTTP routes.
            self.broker.include_router(router, **kwargs)
            return
        if isinstance(router, StreamRouter):
            if router.broker.parent is not None:
                raise SetupError(
                    f"{type(router).__name__}(prefix={router.prefix!r}) is already included "
                    "into another router; a router's subscribers can move only once"
                )
            self.broker.include_router(router.broker)
            for sub in self.broker.subscribers:
                if sub.binding is router.binding:
                    sub.binding = self.binding
            router.binding.delegate_to(self.binding)
            self._after_startup.extend(router._after_startup)
            self._on_shutdown.extend(router._on_shutdown)
            router._after_startup, router._on_shutdown = [], []
            for route in (*router._docs_routes, *router.include_probes):
                if route in router.routes:
                    router.routes.remove(route)
            router._docs_routes, router.include_probes = [], []
        super().include_router(router, **kwargs)

    # -- lifespan ------------------------------------------------------------------

    @asynccontextmanager
    async def _lifespan(self, app: Any) -> AsyncIterator[Mapping[str, Any] | None]:
        if self.broker.parent is not None:
            # Nested into another StreamRouter: that one runs the broker.
            yield None
            return
        if self._running:
            yield self._state
            return
        self._running += 1
        self.binding.app = app
        if self._docs_routes and hide_repeated_inclusions(app, self):
            app.openapi_schema = None  # a schema built before startup is rebuilt
        try:
            async with self._user_context(app) as user_state:
                state: dict[str, Any] = dict(user_state or {})
                if self.setup_state:
                    state["broker"] = self.broker
                self.binding.state = state
                # Under a test broker, the test broker starts and closes the broker:
                # ``with TestClient(app)`` ending inside it stops no subscriber.
                owned = not self.broker.under_test
                if owned:
                    await self._start_broker(app)
                try:
                    for hook in self._after_startup:
                        returned = await _call_hook(hook, app)
                        if isinstance(returned, Mapping):
                            state.update(returned)
                    self._state = state if state or self.setup_state else None
                    yield self._state
                finally:
                    try:
                        for hook in self._on_shutdown:
                            await _call_hook(hook, app)
                    finally:
                        if owned:
                            await self.broker.close()
        finally:
            self._running -= 1
            self._state = None
            self.binding.state = {}

    async def _start_broker(self, app: Any) -> None:
        if self.start_retry is None:
            await _start(self.broker, app)
        else:
            await self.broker.start_or_retry(self.start_retry)

    @asynccontextmanager
    async def _user_context(self, app: Any) -> AsyncIterator[Any]:
        # ``on_startup`` and ``on_shutdown`` take no arguments, as Starlette's do.
        for hook in self.startup_hooks:
            await call_hook(hook)
        try:
            if self._user_lifespan is None:
                yield None
            else:
                async with self._user_lifespan(app) as state:
                    yield state
        finally:
            for hook in self.shutdown_hooks:
                await call_hook(hook)

    def overrides(self) -> Overrides:
        return self.binding.overrides()


async def _start(broker: Broker, app: Any) -> None:
    """``broker.start()``. Our errors (an unreachable broker, ...) say what is wrong:
    logged as one line, as ``AsgiFastStream`` does, they go on to the server
    (which reports a failed startup) without the client library's cause chain."""
    try:
        await broker.start()
    except FastStreamError as exc:
        title = getattr(app, "title", None) or type(app).__name__
        broker.logger.error("%s: startup failed: %s: %s", title, type(exc).__name__, exc)
        raise exc.with_traceback(None) from None


async def _call_hook(hook: Hook, app: Any) -> Any:
    takes_app = bool(inspect.signature(hook).parameters)
    return await call_hook(hook, app) if takes_app else await call_hook(hook)


class RouterSubscriber:
    """What ``@router.subscriber(...)`` returns: ``@sub`` on a handler, or, as on the
    broker, ``@sub(filter=..., ...)`` (another handler of the same subscription);
    ``await sub.get_one()`` pulls while it has no handler."""

    __slots__ = ("_decorator", "_response", "_router")

    def __init__(self, router: StreamRouter[Any], decorator: Any, response: Any) -> None:
        self._router, self._decorator, self._response = router, decorator, response

    @overload
    def __call__(self, func: Callable[..., Any], /) -> Handler: ...

    @overload
    def __call__(self, /, **options: Any) -> Callable[[Callable[..., Any]], Handler]: ...

    def __call__(
        self, func: Callable[..., Any] | None = None, /, **options: Any
    ) -> Handler | Callable[[Callable[..., Any]], Handler]:
        if func is not None:
            return self._add(func, self._decorator)
        add_handler = self._decorator(**options)  # an unknown keyword fails here
        return lambda f: self._add(f, add_handler)

    def _add(self, func: Callable[..., Any], add_handler: Callable[..., Handler]) -> Handler:
        if isinstance(func, Handler):  # already ``@router.publisher(...)``-decorated
            func.func = shaping.shaped(func.func, self._response)
        else:
            func = shaping.shaped(func, self._response)
        handler = add_handler(func)
        handler.subscribers[-1].binding = self._router.binding
        return handler

    @property
    def get_one(self) -> Callable[..., Awaitable[Any]]:
        """The subscription's ``get_one`` (see ``core.filtering``)."""
        get_one: Callable[..., Awaitable[Any]] = self._decorator.get_one
        return get_one

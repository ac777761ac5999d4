"""``FastStream``: a broker plus lifecycle hooks, run until a signal or ``exit()``.

Order on start: the user's ``lifespan`` is entered, ``on_startup`` hooks run
(with the CLI's extra options), the broker starts, ``after_startup`` hooks
run. Stop runs ``on_shutdown`` hooks, closes the broker (in-flight messages
finish within its graceful timeout), runs ``after_shutdown`` hooks and leaves
the lifespan.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import signal
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, get_args, get_origin, get_type_hints

from fastapi import params
from pydantic import TypeAdapter

from .core.backoff import Backoff
from .core.broker import Broker
from .core.context import ContextField, context
from .core.errors import SetupError

if TYPE_CHECKING:
    from .asgi.app import AsgiFastStream
    from .asgi.handlers import ASGIApp

default_logger = logging.getLogger("faststream_fastapi")

F = TypeVar("F", bound=Callable[..., Any])
Lifespan = Callable[..., AbstractAsyncContextManager[Any]]


class _Param:
    """One hook parameter: a context value, or an option converted to its annotation."""

    __slots__ = ("adapter", "context", "name", "required")

    def __init__(self, parameter: inspect.Parameter, annotation: Any) -> None:
        self.name = parameter.name
        self.required = parameter.default is inspect.Parameter.empty
        self.context = _context_field(parameter.default, annotation)
        self.adapter: TypeAdapter[Any] | None = None
        if self.context is None and annotation not in (inspect.Parameter.empty, Any):
            if get_origin(annotation) is Annotated:
                annotation = get_args(annotation)[0]
            try:
                self.adapter = TypeAdapter(annotation)
            except Exception:  # an annotation pydantic cannot handle: pass values as given
                self.adapter = None


def _context_field(default: Any, annotation: Any) -> ContextField | None:
    candidates = [default]
    if get_origin(annotation) is Annotated:
        candidates.extend(get_args(annotation)[1:])
    for candidate in candidates:
        if isinstance(candidate, params.Depends):
            if isinstance(candidate.dependency, ContextField):
                return candidate.dependency
            raise SetupError(
                "lifecycle hooks accept Context(...) and Logger parameters, not Depends(...)"
            )
    return None


class Hook:
    """A lifecycle hook analysed once: which options and context values it takes.

    Values from the command line arrive as strings; a parameter annotated with a
    type gets them validated and converted by pydantic, like a query parameter.
    """

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.name = getattr(func, "__qualname__", repr(func))
        signature = inspect.signature(func)
        try:
            hints = get_type_hints(func, include_extras=True)
        except Exception:  # unresolvable forward references: fall back to raw annotations
            hints = {}
        self.params: list[_Param] = []
        self.var_keyword = False
        for parameter in signature.parameters.values():
            if parameter.kind is inspect.Parameter.VAR_KEYWORD:
                self.var_keyword = True
            elif parameter.kind is not inspect.Parameter.VAR_POSITIONAL:
                annotation = hints.get(parameter.name, parameter.annotation)
                self.params.append(_Param(parameter, annotation))

    def arguments(self, options: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
        """Keyword arguments from ``options`` (CLI extras) and ``values`` (app, broker, logger)."""
        kwargs: dict[str, Any] = {}
        for param in self.params:
            if param.context is not None:
                kwargs[param.name] = param.context.resolve(dict(values))
            elif param.name in options:
                value = options[param.name]
                kwargs[param.name] = (
                    param.adapter.validate_python(value) if param.adapter is not None else value
                )
            elif param.required:
                raise TypeError(
                    f"hook {self.name} needs the option --{param.name.replace('_', '-')}"
                )
        if self.var_keyword:
            for key, value in options.items():
                kwargs.setdefault(key, value)
        return kwargs

    async def __call__(self, options: Mapping[str, Any], values: Mapping[str, Any]) -> Any:
        result = self.func(**self.arguments(options, values))
        if inspect.isawaitable(result):
            result = await result
        return result


class FastStream:
    """A broker and the hooks around it; ``run()`` serves until SIGINT, SIGTERM or ``exit()``."""

    def __init__(
        self,
        broker: Broker | None = None,
        /,
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
        on_startup: Sequence[Callable[..., Any]] = (),
        after_startup: Sequence[Callable[..., Any]] = (),
        on_shutdown: Sequence[Callable[..., Any]] = (),
        after_shutdown: Sequence[Callable[..., Any]] = (),
        start_retry: Backoff | None = None,
    ) -> None:
        self.broker = broker
        #: With a ``Backoff``, an unreachable broker does not fail the start: it is
        #: retried in the background while the app runs not ready.
        self.start_retry = start_retry
        self.logger = logger
        self.lifespan_context: Lifespan | None = lifespan
        self.title = title
        self.version = version
        self.description = description
        self.terms_of_service = terms_of_service
        self.license = license
        self.contact = contact
        self.asyncapi_tags = tags
        self.external_docs = external_docs
        self.identifier = identifier
        self.context = context
        self._on_startup_calling = [Hook(f) for f in on_startup]
        self._after_startup_calling = [Hook(f) for f in after_startup]
        self._on_shutdown_calling = [Hook(f) for f in on_shutdown]
        self._after_shutdown_calling = [Hook(f) for f in after_shutdown]
        #: Extra options of ``faststream-fastapi run`` (``--env prod``), for hooks.
        self._run_options: dict[str, Any] = {}
        self._should_exit = False
        self._exit_event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- configuration ---------------------------------------------------------

    def set_broker(self, broker: Broker) -> None:
        """Use ``broker``; e.g. from an ``on_startup`` hook that builds it from options."""
        self.broker = broker

    def on_startup(self, func: F) -> F:
        """Run ``func`` before the broker connects; it receives the CLI's extra options."""
        self._on_startup_calling.append(Hook(func))
        return func

    def after_startup(self, func: F) -> F:
        """Run ``func`` once the broker is started."""
        self._after_startup_calling.append(Hook(func))
        return func

    def on_shutdown(self, func: F) -> F:
        """Run ``func`` before the broker is closed."""
        self._on_shutdown_calling.append(Hook(func))
        return func

    def after_shutdown(self, func: F) -> F:
        """Run ``func`` after the broker is closed."""
        self._after_shutdown_calling.append(Hook(func))
        return func

    def as_asgi(
        self,
        asgi_routes: Sequence[tuple[str, ASGIApp]] = (),
        asyncapi_path: str | None = None,
    ) -> AsgiFastStream:
        """This app, with its hooks, as an ASGI application serving ``asgi_routes``."""
        from .asgi.app import AsgiFastStream

        return AsgiFastStream.from_app(self, asgi_routes, asyncapi_path)

    # -- lifecycle -------------------------------------------------------------

    def _values(self) -> dict[str, Any]:
        return {"app": self, "broker": self.broker, "logger": self.logger, "context": context}

    async def start(self, **run_extra_options: Any) -> None:
        """Run ``on_startup`` hooks, start the broker, run ``after_startup`` hooks.

        With ``start_retry``, an unreachable broker is retried in the background
        and the ``after_startup`` hooks run without waiting for it.
        """
        context.set_global("app", self)
        for hook in self._on_startup_calling:
            await hook(run_extra_options, self._values())
        if self.broker is not None:
            if self.start_retry is None:
                await self.broker.start()
            else:
                await self.broker.start_or_retry(self.start_retry)
        for hook in self._after_startup_calling:
            await hook({}, self._values())

    async def stop(self) -> None:
        """Run ``on_shutdown`` hooks, close the broker, run ``after_shutdown`` hooks.

        The broker is closed even when an ``on_shutdown`` hook fails.
        """
        try:
            for hook in self._on_shutdown_calling:
                await hook({}, self._values())
        finally:
            if self.broker is not None:
                await self.broker.close()
        for hook in self._after_shutdown_calling:
            await hook({}, self._values())

    @asynccontextmanager
    async def running(self, **run_extra_options: Any) -> AsyncIterator[None]:
        """Enter the lifespan and start; on leaving, stop. A failed start closes the broker."""
        options = {**self._run_options, **run_extra_options}
        async with self._user_lifespan(options):
            try:
                await self.start(**options)
            except BaseException:
                if self.broker is not None:
                    await _close_quietly(self.broker, self.logger)
                raise
            try:
                yield
            finally:
                await self.stop()

    def _user_lifespan(self, options: Mapping[str, Any]) -> AbstractAsyncContextManager[Any]:
        if self.lifespan_context is None:
            return _nothing()
        hook = Hook(self.lifespan_context)
        return self.lifespan_context(**hook.arguments(options, self._values()))

    def exit(self) -> None:
        """Stop ``run()``: it runs the shutdown hooks and returns."""
        self._should_exit = True
        loop, event = self._loop, self._exit_event
        if loop is not None and event is not None and not loop.is_closed():
            loop.call_soon_threadsafe(event.set)

    async def run(
        self,
        log_level: int = logging.INFO,
        run_extra_options: Mapping[str, Any] | None = None,
        sleep_time: float = 0.1,
    ) -> None:
        """Start, wait for SIGINT, SIGTERM or ``exit()``, then stop gracefully.

        ``sleep_time`` is accepted for compatibility; waiting is event-driven.
        """
        if self.logger is not None:
            self.logger.setLevel(log_level)
        self._loop = asyncio.get_running_loop()
        self._exit_event = asyncio.Event()
        if self._should_exit:
            self._exit_event.set()
        installed = self._install_signal_handlers()
        try:
            self._log("%s starting", self.title)
            async with self.running(**dict(run_extra_options or {})):
                self._log("%s started; waiting for messages", self.title)
                await self._exit_event.wait()
                self._log("%s shutting down", self.title)
            self._log("%s stopped", self.title)
        finally:
            for sig in installed:
                self._loop.remove_signal_handler(sig)
            self._should_exit = False
            self._loop = self._exit_event = None

    def _install_signal_handlers(self) -> list[signal.Signals]:
        if threading.current_thread() is not threading.main_thread():
            return []
        assert self._loop is not None
        installed = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._loop.add_signal_handler(sig, self.exit)
            except (NotImplementedError, RuntimeError, ValueError):  # not on this platform
                continue
            installed.append(sig)
        return installed

    def _log(self, msg: str, *args: Any) -> None:
        if self.logger is not None:
            self.logger.info(msg, *args)


async def _close_quietly(broker: Broker, logger: logging.Logger | None) -> None:
    try:
        await broker.close()
    except Exception:
        if logger is not None:
            logger.exception("closing the broker after a failed start also failed")


@asynccontextmanager
async def _nothing() -> AsyncIterator[None]:
    yield None

"""``FastStream``: a broker plus lifecycle hooks, run until a signal or ``exit()``.

Order on start: the user's ``lifespan`` is entered, ``on_startup`` hooks run
(with the CLI's extra options), the broker starts, ``after_startup`` hooks
run. Stop runs ``on_shutdown`` hooks, closes the broker (in-flight messages
finish within its graceful timeout), runs ``after_shutdown`` hooks and leaves
the lifespan.

This module sits below the ASGI layer and imports nothing from it:
``as_asgi`` builds its ``AsgiFastStream`` through ``_asgi_factory``, which the
package wires up when it is imported.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any, ClassVar, Protocol, TypedDict

from starlette.types import ASGIApp, Receive, Scope, Send
from typing_extensions import Unpack

from .core.backoff import Backoff
from .core.broker import Broker
from .core.context import context
from .hooks import Hook, HookPhase, Hooks

default_logger = logging.getLogger("faststream_fastapi")

Lifespan = Callable[..., AbstractAsyncContextManager[Any]]


@asynccontextmanager
async def no_lifespan(*args: Any, **kwargs: Any) -> AsyncIterator[None]:
    """The lifespan of an app given none: enters and leaves, doing nothing."""
    yield


class AppOptions(TypedDict, total=False):
    """The keyword options of ``FastStream`` and ``AsgiFastStream``, declared once.

    Defaults: ``logger`` the ``faststream_fastapi`` logger, ``title``
    ``"FastStream"``, ``version`` ``"0.1.0"``, ``description`` ``""``, the hook
    sequences empty, everything else ``None``.
    """

    logger: logging.Logger | None
    #: An async context manager factory entered around the hooks; it may take options.
    lifespan: Lifespan | None
    title: str
    version: str
    description: str
    terms_of_service: str | None
    license: Mapping[str, Any] | None
    contact: Mapping[str, Any] | None
    tags: Sequence[Mapping[str, Any]] | None
    external_docs: Mapping[str, Any] | None
    identifier: str | None
    on_startup: Sequence[Callable[..., Any]]
    after_startup: Sequence[Callable[..., Any]]
    on_shutdown: Sequence[Callable[..., Any]]
    after_shutdown: Sequence[Callable[..., Any]]
    #: With a ``Backoff``, an unreachable broker does not fail the start: it is
    #: retried in the background while the app runs not ready.
    start_retry: Backoff | None


_OPTION_NAMES = AppOptions.__optional_keys__
#: FastStream 0.5's order of the options after the broker, for those given by position.
_POSITIONAL = (
    "logger",
    "lifespan",
    "title",
    "version",
    "description",
    "terms_of_service",
    "license",
    "contact",
    "tags",
    "external_docs",
    "identifier",
    "on_startup",
    "after_startup",
    "on_shutdown",
    "after_shutdown",
)


class AsgiApplication(Protocol):
    """What ``as_asgi`` returns: an ``AsgiFastStream`` (``faststream_fastapi.asgi``)."""

    app: FastStream
    routes: list[tuple[str, ASGIApp]]

    def mount(self, path: str, route: ASGIApp) -> None: ...

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...


AsgiFactory = Callable[["FastStream", Sequence[tuple[str, ASGIApp]], "str | None"], AsgiApplication]


class FastStream:
    """A broker and the hooks around it; ``run()`` serves until SIGINT, SIGTERM or ``exit()``."""

    #: ``AsgiFastStream.from_app``, set by ``faststream_fastapi/__init__.py``.
    _asgi_factory: ClassVar[AsgiFactory | None] = None

    def __init__(
        self, broker: Broker | None = None, *positional: Any, **options: Unpack[AppOptions]
    ) -> None:
        """``FastStream(broker, logger=..., ...)``; the options may also follow the broker
        by position in FastStream 0.5's order (``FastStream(broker, None)``: no logger)."""
        if len(positional) > len(_POSITIONAL):
            raise TypeError(
                f"FastStream() takes at most {len(_POSITIONAL) + 1} positional arguments"
            )
        for name, value in zip(_POSITIONAL, positional, strict=False):
            if name in options:
                raise TypeError(f"FastStream() got multiple values for argument {name!r}")
            options[name] = value  # type: ignore[literal-required]
        unknown = options.keys() - _OPTION_NAMES
        if unknown:
            raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(unknown))}")
        self.broker = broker
        self.logger = options.get("logger", default_logger)
        #: Always callable, as in FastStream 0.5: without ``lifespan=``, one that does nothing.
        self.lifespan_context: Lifespan = options.get("lifespan") or no_lifespan
        self.title = options.get("title", "FastStream")
        self.version = options.get("version", "0.1.0")
        self.description = options.get("description", "")
        self.terms_of_service = options.get("terms_of_service")
        self.license = options.get("license")
        self.contact = options.get("contact")
        self.asyncapi_tags = options.get("tags")
        self.external_docs = options.get("external_docs")
        self.identifier = options.get("identifier")
        self.start_retry = options.get("start_retry")
        self.context = context
        self.hooks = Hooks(options)
        #: What hooks get as ``Context("app")``, and ``context.get("app")`` gives
        #: while it runs: this app, or the ``AsgiFastStream`` built around it.
        self.context_app: object = self
        #: Extra options of ``faststream-fastapi run`` (``--env prod``), for hooks.
        self._run_options: dict[str, Any] = {}
        self._should_exit = False
        self._exit_event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- configuration ---------------------------------------------------------

    on_startup = HookPhase("Run ``func`` before the broker connects; it gets the CLI's options.")
    after_startup = HookPhase("Run ``func`` once the broker is started.")
    on_shutdown = HookPhase("Run ``func`` before the broker is closed.")
    after_shutdown = HookPhase("Run ``func`` after the broker is closed.")

    def set_broker(self, broker: Broker) -> None:
        """Use ``broker``; e.g. from an ``on_startup`` hook that builds it from options."""
        self.broker = broker

    def as_asgi(
        self,
        asgi_routes: Sequence[tuple[str, ASGIApp]] = (),
        asyncapi_path: str | None = None,
    ) -> AsgiApplication:
        """An ``AsgiFastStream`` serving this app (the same broker, hooks and fields)
        and ``asgi_routes``; ``AsgiFastStream.from_app(app, ...)`` spelled as a method."""
        factory = FastStream._asgi_factory
        if factory is None:  # pragma: no cover - importing the package sets it
            raise RuntimeError("faststream_fastapi.asgi has not been imported")
        return factory(self, asgi_routes, asyncapi_path)

    # -- lifecycle -------------------------------------------------------------

    def _values(self) -> dict[str, Any]:
        return {
            "app": self.context_app,
            "broker": self.broker,
            "logger": self.logger,
            "context": context,
        }

    async def start(self, **run_extra_options: Any) -> None:
        """Run ``on_startup`` hooks, start the broker, run ``after_startup`` hooks.

        With ``start_retry``, an unreachable broker is retried in the background
        and the ``after_startup`` hooks run without waiting for it.
        """
        await self.hooks.run("on_startup", self._values, run_extra_options)
        if self.broker is not None:
            if self.start_retry is None:
                await self.broker.start()
            else:
                await self.broker.start_or_retry(self.start_retry)
        await self.hooks.run("after_startup", self._values)

    async def stop(self) -> None:
        """Run ``on_shutdown`` hooks, close the broker, run ``after_shutdown`` hooks.

        The broker is closed even when an ``on_shutdown`` hook fails.
        """
        try:
            await self.hooks.run("on_shutdown", self._values)
        finally:
            if self.broker is not None:
                await self.broker.close()
        await self.hooks.run("after_shutdown", self._values)

    @asynccontextmanager
    async def running(self, **run_extra_options: Any) -> AsyncIterator[None]:
        """Enter the lifespan and start; on leaving, stop. A failed start closes the broker.

        Inside, ``context.get("app")`` is ``context_app``: in this task and the
        tasks it starts (the broker's consumers), not process-wide.
        """
        options = {**self._run_options, **run_extra_options}
        with context.scope("app", self.context_app):
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
        if self.lifespan_context is no_lifespan:
            return nullcontext()
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

        ``workers`` above 1 in ``run_extra_options`` runs the app in that many
        forked processes, as ``faststream-fastapi run --workers N`` does, until
        SIGINT or SIGTERM. ``sleep_time`` is accepted for compatibility; waiting
        is event-driven.
        """
        options = dict(run_extra_options or {})
        workers = int(options.pop("workers", 1))
        if workers > 1:
            from .cli.processes import run_forked

            def one() -> None:
                asyncio.run(self.run(log_level, options))

            if run_forked(one, workers):
                raise RuntimeError(f"a worker of {self.title} failed; see the log above")
            return
        if self.logger is not None:
            self.logger.setLevel(log_level)
        self._loop = asyncio.get_running_loop()
        self._exit_event = asyncio.Event()
        if self._should_exit:
            self._exit_event.set()
        installed = self._install_signal_handlers()
        try:
            self._log("%s starting", self.title)
            async with self.running(**options):
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

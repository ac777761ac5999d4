"""``TestApp``: run a FastStream app's lifespan and hooks around a test."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager, ExitStack
from typing import Any, Generic, Protocol, TypeVar

from anyio.from_thread import start_blocking_portal


class Runnable(Protocol):
    """A ``FastStream`` or an ``AsgiFastStream``: what ``TestApp`` runs."""

    def running(self, **run_extra_options: Any) -> AbstractAsyncContextManager[None]: ...


A = TypeVar("A", bound=Runnable)


class TestApp(Generic[A]):
    """``async with TestApp(app, run_extra_options={...}) as app:`` runs its startup hooks,
    starts its broker and, on leaving, its shutdown hooks; ``with TestApp(app):`` does
    the same from synchronous code.

    Put it inside ``Test<B>Broker(app.broker)`` to need no broker server: the
    broker is then already started in memory and ``start`` does not reconnect.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, app: A, run_extra_options: Mapping[str, Any] | None = None) -> None:
        self.app = app
        self.run_extra_options = dict(run_extra_options or {})
        self._running: AbstractAsyncContextManager[None] | None = None
        self._sync: ExitStack | None = None

    def __enter__(self) -> A:
        """``with TestApp(app):`` from synchronous code, as in FastStream 0.5: the app
        runs in an event loop of its own, on a helper thread, until the block ends."""
        with ExitStack() as stack:
            portal = stack.enter_context(start_blocking_portal())
            stack.enter_context(
                portal.wrap_async_context_manager(self.app.running(**self.run_extra_options))
            )
            self._sync = stack.pop_all()
        return self.app

    def __exit__(self, *exc: Any) -> None:
        sync, self._sync = self._sync, None
        if sync is not None:
            sync.__exit__(*exc)

    async def __aenter__(self) -> A:
        self._running = self.app.running(**self.run_extra_options)
        await self._running.__aenter__()
        return self.app

    async def __aexit__(self, *exc: Any) -> None:
        running, self._running = self._running, None
        if running is not None:
            await running.__aexit__(*exc)

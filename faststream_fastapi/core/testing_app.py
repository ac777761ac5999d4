"""``TestApp``: run a FastStream app's lifespan and hooks around a test."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Generic, Protocol, TypeVar


class Runnable(Protocol):
    """A ``FastStream`` or an ``AsgiFastStream``: what ``TestApp`` runs."""

    def running(self, **run_extra_options: Any) -> AbstractAsyncContextManager[None]: ...


A = TypeVar("A", bound=Runnable)


class TestApp(Generic[A]):
    """``async with TestApp(app, run_extra_options={...}) as app:`` runs its startup hooks,
    starts its broker and, on leaving, its shutdown hooks.

    Put it inside ``Test<B>Broker(app.broker)`` to need no broker server: the
    broker is then already started in memory and ``start`` does not reconnect.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, app: A, run_extra_options: Mapping[str, Any] | None = None) -> None:
        self.app = app
        self.run_extra_options = dict(run_extra_options or {})
        self._running: AbstractAsyncContextManager[None] | None = None

    async def __aenter__(self) -> A:
        self._running = self.app.running(**self.run_extra_options)
        await self._running.__aenter__()
        return self.app

    async def __aexit__(self, *exc: Any) -> None:
        running, self._running = self._running, None
        if running is not None:
            await running.__aexit__(*exc)

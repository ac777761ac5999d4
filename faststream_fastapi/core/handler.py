"""The decorated function as the package keeps it, and the mock tests look at."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import is_dataclass
from typing import TYPE_CHECKING, Any, Protocol
from unittest.mock import MagicMock

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from .codec import is_text
from .message import StreamMessage

if TYPE_CHECKING:
    from .ports import Outlet


class Bound(Protocol):
    """A handler's subscriber, as a FastAPI router binds it to its app."""

    binding: Any


class Handler:
    """The decorated function, still callable, with ``mock`` for tests."""

    def __init__(self, func: Callable[..., Any]) -> None:
        functools.update_wrapper(self, func)
        self.func = func
        self.publishers: list[Outlet] = []
        self.subscribers: list[Bound] = []
        self._mock = LazyMock(getattr(func, "__name__", "handler"))

    @property
    def mock(self) -> MagicMock | None:
        """Calls with each decoded body the handler received under a test broker;
        ``None`` outside one (also once its block ended), as in FastStream 0.5."""
        return self._mock.get()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)

    async def wait_call(self, timeout: float | None = None) -> None:
        """Under a test broker, wait until the handler got a message (at once if it has);
        ``TimeoutError`` after ``timeout`` seconds."""
        await self._mock.wait(timeout)

    def __repr__(self) -> str:
        return f"Handler({self.func!r})"


def as_handler(func: Callable[..., Any]) -> Handler:
    return func if isinstance(func, Handler) else Handler(func)


class LazyMock:
    """A MagicMock filled on first look: recording costs a list append.

    It exists while a test broker's block runs (``activate`` to ``reset``), as
    FastStream 0.5's ``mock`` did: ``get()`` is ``None`` outside one.
    """

    __slots__ = ("_active", "_called", "_error", "_mock", "_name", "_pending")

    def __init__(self, name: str) -> None:
        self._name = name
        self._mock: MagicMock | None = None
        self._pending: list[Any] = []
        self._active = False
        #: What the last recorded call raised, for ``wait`` to raise (FastStream 0.5's).
        self._error: BaseException | None = None
        #: Set by ``record`` while ``wait`` waits.
        self._called: asyncio.Event | None = None

    def activate(self) -> None:
        self._active = True

    def record(self, item: Any) -> None:
        self._active = True
        self._error = None
        self._pending.append(item)
        if self._called is not None:
            self._called.set()

    def fail(self, exc: BaseException) -> None:
        """The call recorded last raised ``exc`` (a failed delivery, under a test broker)."""
        if self._active:
            self._error = exc

    async def wait(self, timeout: float | None) -> None:
        """Return once something was recorded; ``TimeoutError`` after ``timeout`` seconds.
        A call that failed as it began (an invalid message) raises its error."""
        if not (self._pending or (self._mock is not None and self._mock.called)):
            called = self._called = asyncio.Event()
            try:
                await asyncio.wait_for(called.wait(), timeout)
            finally:
                self._called = None
        if self._error is not None:
            raise self._error

    def get(self) -> MagicMock | None:
        if not self._active:
            return None
        if self._mock is None:
            self._mock = MagicMock(name=self._name)
        pending, self._pending = self._pending, []
        for item in pending:
            self._mock(_plain(item))
        return self._mock

    def reset(self) -> None:
        """The test broker's block ended: no mock until the next one."""
        self._pending.clear()
        self._mock = self._error = None
        self._active = False


def _plain(item: Any) -> Any:
    """What a mock is called with: the decoded body, or a published value as JSON data."""
    if isinstance(item, StreamMessage):
        if not item.body:  # as FastStream 0.5 records it: "" for text, else b""
            return "" if is_text(item.content_type) else b""
        try:
            return item.decoded()
        except Exception:
            return item.body
    if isinstance(item, BaseModel):
        return item.model_dump(mode="json")
    if isinstance(item, tuple | set | frozenset) or is_dataclass(item):
        # As a subscriber would decode it (FastStream 0.5): ``(1, 2)`` is ``[1, 2]``.
        try:
            return to_jsonable_python(item)
        except Exception:  # not JSON-able: as given
            return item
    return item

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
    def mock(self) -> MagicMock:
        """Calls with each decoded body the handler received under a test broker."""
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
    """A MagicMock filled on first look: recording costs a list append."""

    __slots__ = ("_called", "_mock", "_name", "_pending")

    def __init__(self, name: str) -> None:
        self._name = name
        self._mock: MagicMock | None = None
        self._pending: list[Any] = []
        #: Set by ``record`` while ``wait`` waits.
        self._called: asyncio.Event | None = None

    def record(self, item: Any) -> None:
        self._pending.append(item)
        if self._called is not None:
            self._called.set()

    async def wait(self, timeout: float | None) -> None:
        """Return once something was recorded; ``TimeoutError`` after ``timeout`` seconds."""
        if self._pending or (self._mock is not None and self._mock.called):
            return
        called = self._called = asyncio.Event()
        try:
            await asyncio.wait_for(called.wait(), timeout)
        finally:
            self._called = None

    def get(self) -> MagicMock:
        if self._mock is None:
            self._mock = MagicMock(name=self._name)
        pending, self._pending = self._pending, []
        for item in pending:
            self._mock(_plain(item))
        return self._mock

    def reset(self) -> None:
        self._pending.clear()
        if self._mock is not None:
            self._mock.reset_mock()


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

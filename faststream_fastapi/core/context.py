"""Framework-provided values for handlers: the message, broker, logger, globals.

``Context("name")`` and the ``Logger`` annotation are FastAPI dependencies whose
callables the call plan recognises and resolves inline, with no call at all.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends

from .errors import ContextKeyError

if TYPE_CHECKING:
    from .message import StreamMessage

logger = logging.getLogger("faststream_fastapi")

#: The message being handled in this task, for log filters and ``Context``.
current_message: ContextVar[StreamMessage | None] = ContextVar(
    "faststream_fastapi_message", default=None
)

_MISSING: Any = object()


class ContextRepo:
    """Application-wide values that ``Context("key")`` can read."""

    def __init__(self) -> None:
        self._globals: dict[str, Any] = {}

    def set_global(self, key: str, value: Any) -> None:
        self._globals[key] = value

    def reset_global(self, key: str) -> None:
        self._globals.pop(key, None)

    def get(self, key: str, default: Any = None) -> Any:
        return self._globals.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self._globals


context = ContextRepo()


class ContextField:
    """A marker dependency naming a framework value, e.g. ``"message.headers"``."""

    __slots__ = ("default", "name", "parts")

    def __init__(self, name: str, default: Any = _MISSING) -> None:
        self.name = name
        self.parts = tuple(name.split("."))
        self.default = default

    def resolve(self, locals_: dict[str, Any]) -> Any:
        head, *rest = self.parts
        if head in locals_:
            value = locals_[head]
        elif head in context:
            value = context.get(head)
        elif self.default is not _MISSING:
            return self.default
        else:
            raise ContextKeyError(f"no context value named {self.name!r}")
        for part in rest:
            if isinstance(value, dict):
                value = value.get(part, _MISSING)
            else:
                value = getattr(value, part, _MISSING)
            if value is _MISSING:
                if self.default is not _MISSING:
                    return self.default
                raise ContextKeyError(f"no context value named {self.name!r}")
        return value

    async def __call__(self) -> Any:
        # Reached only outside a message (e.g. an HTTP route using ``Logger``).
        message = current_message.get()
        return self.resolve({"message": message, "logger": logger})

    def __repr__(self) -> str:
        return f"Context({self.name!r})"


def Context(name: str = "context", *, default: Any = _MISSING) -> Any:
    """A handler parameter filled from the framework context by name."""
    return Depends(ContextField(name, default), use_cache=False)


Logger = Annotated[logging.Logger, Context("logger")]

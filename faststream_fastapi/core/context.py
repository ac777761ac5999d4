"""Framework-provided values for handlers: the message, broker, logger, globals.

``Context("name")`` and the ``Logger`` annotation are FastAPI dependencies whose
callables the call plan recognises and resolves inline, with no call at all.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends
from pydantic import TypeAdapter

from .errors import ContextKeyError

if TYPE_CHECKING:
    from .message import StreamMessage

logger = logging.getLogger("faststream_fastapi")

#: The message being handled in this task, for log filters and ``Context``.
current_message: ContextVar[StreamMessage | None] = ContextVar(
    "faststream_fastapi_message", default=None
)

_MISSING: Any = object()
_NOTHING_SCOPED: Mapping[str, Any] = MappingProxyType({})


class ContextRepo:
    """Values that ``Context("key")`` can read beyond the framework's own.

    Globals (``set_global``) are process-wide. Scoped values (``scope``) hold in
    one task and the tasks it starts, until the block ends, and take precedence:
    an app puts itself there as ``"app"`` while it runs, so two apps in one
    process each see their own.
    """

    def __init__(self) -> None:
        self._globals: dict[str, Any] = {}
        self._scoped: ContextVar[Mapping[str, Any]] = ContextVar(
            "faststream_fastapi_scoped", default=_NOTHING_SCOPED
        )

    def set_global(self, key: str, value: Any) -> None:
        self._globals[key] = value

    def reset_global(self, key: str) -> None:
        self._globals.pop(key, None)

    @contextmanager
    def scope(self, key: str, value: Any) -> Iterator[None]:
        """``key`` reads ``value`` in this task, and in tasks started inside the block."""
        token = self._scoped.set({**self._scoped.get(), key: value})
        try:
            yield
        finally:
            try:
                self._scoped.reset(token)
            except ValueError:  # left in another context than entered (a test fixture's)
                old = token.old_value
                self._scoped.set(_NOTHING_SCOPED if old is Token.MISSING else old)

    def get(self, key: str, default: Any = None) -> Any:
        scoped = self._scoped.get()
        if key in scoped:
            return scoped[key]
        value = self._globals.get(key, _MISSING)
        if value is _MISSING:
            # In a handler's task, as in FastStream 0.5: ``context.resolve("message")``.
            value = current_message.get() if key == "message" else None
            return default if value is None else value
        return value

    def __contains__(self, key: str) -> bool:
        return (
            key in self._scoped.get()
            or key in self._globals
            or (key == "message" and current_message.get() is not None)
        )

    # -- FastStream 0.5's names for the same repository -------------------------

    def set_local(self, key: str, value: Any) -> Token[Mapping[str, Any]]:
        """``key`` reads ``value`` in this task until ``reset_local(key, token)``."""
        return self._scoped.set({**self._scoped.get(), key: value})

    def reset_local(self, key: str, token: Token[Mapping[str, Any]]) -> None:
        self._scoped.reset(token)

    def get_local(self, key: str, default: Any = None) -> Any:
        return self._scoped.get().get(key, default)

    @property
    def context(self) -> dict[str, Any]:
        """Every value known here: the globals, then this task's scoped ones."""
        return {**self._globals, **self._scoped.get()}

    def resolve(self, name: str) -> Any:
        """The value of a dotted ``name`` (``"app.state"``); ``KeyError`` when unknown."""
        head, *rest = name.split(".")
        value = self.get(head, _MISSING)
        if value is _MISSING:
            raise ContextKeyError(f"no context value named {head!r}")
        for part in rest:
            value = value[part] if isinstance(value, Mapping) else getattr(value, part)
        return value

    def clear(self) -> None:
        """Forget every global, and this task's scoped values."""
        self._globals.clear()
        self._scoped.set(_NOTHING_SCOPED)

    def __getattr__(self, name: str) -> Any:
        # ``context.app`` for ``context.get("app")``, as FastStream 0.5 allows.
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name)


context = ContextRepo()


class ContextField:
    """A marker dependency naming a framework value, e.g. ``"message.headers"``.

    With ``cast``, the value is validated against the parameter's annotation
    (``typed``) as FastStream 0.5's ``Context(cast=True)`` does; without, it is
    passed as found, whatever the annotation says.
    """

    __slots__ = ("adapter", "cast", "default", "initial", "name", "parts")

    def __init__(
        self,
        name: str,
        default: Any = _MISSING,
        initial: Callable[[], Any] | None = None,
        cast: bool = False,
    ) -> None:
        self.name = name
        self.parts = tuple((name or "context").split("."))
        self.default = default
        #: Makes the value, set as a global, when the name is unknown (FastStream 0.5).
        self.initial = initial
        self.cast = cast
        #: The parameter's annotation, when ``cast``: set by ``typed``.
        self.adapter: TypeAdapter[Any] | None = None

    def named(self, parameter: str | None) -> ContextField:
        """This field, reading the parameter's own name when it was given none."""
        if self.name:
            return self
        field = type(self)(parameter or "context", self.default, self.initial, self.cast)
        field.adapter = self.adapter
        return field

    def typed(self, annotation: Any) -> ContextField:
        """This field casting to ``annotation`` when it was made with ``cast=True``."""
        if not self.cast or annotation in (inspect.Parameter.empty, Any):
            return self
        field = _CastField(self.name, self.default, self.initial, self.cast)
        field.adapter = TypeAdapter(annotation)
        return field

    def resolve(self, locals_: Mapping[str, Any]) -> Any:
        head, *rest = self.parts
        if head in locals_:
            value = locals_[head]
        else:
            value = context.get(head, _MISSING)
            if value is _MISSING and self.initial is not None:
                # Made once and kept as a global, so later messages see the same value.
                value = self.initial()
                context.set_global(head, value)
            if value is _MISSING:
                if self.default is not _MISSING:
                    return self.default
                raise ContextKeyError(f"no context value named {self.name!r}")
        for part in rest:
            # Through mappings by key (``message.headers.user``), else by attribute.
            if isinstance(value, Mapping):
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
        return self.resolve(outside_locals())

    def __repr__(self) -> str:
        return f"Context({self.name!r})"


class _CastField(ContextField):
    """A ``Context(cast=True)`` bound to its parameter's annotation: validates the value."""

    __slots__ = ()

    def resolve(self, locals_: Mapping[str, Any]) -> Any:
        value = super().resolve(locals_)
        assert self.adapter is not None
        return self.adapter.validate_python(value)


def outside_locals() -> dict[str, Any]:
    """What ``Context`` reads beyond the repository away from a handler's own
    parameters: the message being handled in this task, the package logger and
    the repository itself as ``"context"``."""
    return {"message": current_message.get(), "logger": logger, "context": context}


def Context(
    name: str = "",
    *,
    default: Any = _MISSING,
    initial: Callable[[], Any] | None = None,
    cast: bool = False,
) -> Any:
    """A handler parameter filled from the framework context by ``name`` (by
    default the parameter's own); ``initial()`` makes (and sets globally) a
    value the context lacks; ``cast=True`` validates the value against the
    parameter's annotation (without it, the value is passed as found)."""
    return Depends(ContextField(name, default, initial, cast), use_cache=False)


Logger = Annotated[logging.Logger, Context("logger")]
#: The context repository itself, as FastStream 0.5's ``ContextRepo`` annotation gives it.
ContextRepoAnnotation = Annotated[ContextRepo, Context("context")]

"""One callable of a handler's dependency tree, with how to fill its parameters."""

from __future__ import annotations

import inspect
from typing import Any

from ..context import ContextField
from ..fastapi_compat import Analysed
from .contexts import context_getter, no_context

#: How a callable is called: awaited, in the thread pool, entered as an
#: async or sync generator (``yield`` dependencies), or read from the context.
ASYNC, SYNC, AGEN, GEN, CONTEXT = range(5)


def unwrap(call: Any) -> Any:
    while hasattr(call, "__wrapped__"):
        call = call.__wrapped__
    return call


def call_kind(call: Any) -> int:
    if isinstance(call, ContextField):
        return CONTEXT
    target = unwrap(call)
    if inspect.isclass(target):
        return SYNC
    for candidate in (target, getattr(target, "__call__", None)):  # noqa: B004
        if candidate is None:
            continue
        if inspect.isasyncgenfunction(candidate):
            return AGEN
        if inspect.isgeneratorfunction(candidate):
            return GEN
        if inspect.iscoroutinefunction(candidate):
            return ASYNC
    return SYNC


def describe(call: Any) -> str:
    target = unwrap(call)
    return getattr(target, "__qualname__", None) or type(target).__name__


class Node:
    """One callable of the tree with how to fill each of its parameters."""

    __slots__ = (
        "bare_async",
        "cache_key",
        "call",
        "context",
        "context_getter",
        "data",
        "headers",
        "kind",
        "name",
        "path",
        "request_name",
        "response_name",
        "scopes",
        "scopes_name",
        "subs",
        "tasks_name",
    )

    def __init__(self, analysed: Analysed) -> None:
        a = analysed
        self.call: Any = a.call
        self.name = a.name
        self.kind = call_kind(self.call)
        self.context = self.call.named(a.name) if isinstance(self.call, ContextField) else None
        self.context_getter = context_getter(self.context) if self.context else no_context
        self.scopes = a.scopes
        self.cache_key: Any = (self.call, tuple(sorted(a.scopes))) if a.use_cache else None
        # A ``None`` name: a parameterless dependency (``dependencies=[...]``).
        self.subs: list[tuple[str | None, Node]] = []
        self.data = [(f.name, f.name) for f in (*a.body, *a.query)]
        self.headers = [(f.name, f.name) for f in a.headers]
        self.path = [(f.name, f.name) for f in a.path]
        self.request_name = a.request_name
        self.tasks_name = a.tasks_name
        self.response_name = a.response_name
        self.scopes_name = a.scopes_name
        self.bare_async = False  # set once the children are known (``seal``)

    def cast_to(self, annotation: Any) -> None:
        """Validate this context node's value against ``annotation`` (``Context(cast=True)``)."""
        assert self.context is not None
        self.context = self.context.typed(annotation)
        self.context_getter = context_getter(self.context)

    def seal(self) -> None:
        self.bare_async = self.kind == ASYNC and not (
            self.subs
            or self.data
            or self.headers
            or self.path
            or self.request_name
            or self.tasks_name
            or self.response_name
            or self.scopes_name
        )

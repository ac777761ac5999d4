"""The cheapest way to read each framework value (``Context("...")``) per message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..context import ContextField, context
from ..message import StreamMessage
from .env import RunEnv

ContextGetter = Callable[[StreamMessage, RunEnv], Any]

_DIRECT: dict[str, ContextGetter] = {
    "message": lambda message, env: message,
    "broker": lambda message, env: env.broker,
    "logger": lambda message, env: env.logger,
    "context": lambda message, env: context,
}

#: Context names whose value depends on the run environment only, not the message.
ENV_ONLY = frozenset({("broker",), ("logger",), ("context",)})
#: What an environment-only getter is given for the message it does not read.
NO_MESSAGE: Any = None


def _locals(message: StreamMessage, env: RunEnv) -> dict[str, Any]:
    return {
        "message": message,
        "broker": env.broker,
        "logger": env.logger,
        "state": env.state,
        "app": env.app,
        "context": context,
    }


def context_getter(field: ContextField) -> ContextGetter:
    """The cheapest way to read a context value: direct for the common names."""
    if len(field.parts) == 1 and field.parts[0] in _DIRECT and field.adapter is None:
        return _DIRECT[field.parts[0]]
    return lambda message, env: field.resolve(_locals(message, env))


def no_context(message: StreamMessage, env: RunEnv) -> Any:  # pragma: no cover - never called
    raise AssertionError("not a context node")

"""The straight-line runner for the common handler shape: no tree to walk."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from fastapi.background import BackgroundTasks
from pydantic import ValidationError

from .. import codec
from ..message import StreamMessage
from .contexts import ENV_ONLY, NO_MESSAGE, ContextGetter
from .env import RunEnv
from .nodes import ASYNC

if TYPE_CHECKING:
    from .fields import BodyReader, FieldGroup
    from .nodes import Node


class Shape(Protocol):
    """What ``fast_call`` reads of a call plan (``plan.py`` builds one)."""

    root: Node
    body: BodyReader
    header_group: FieldGroup
    path_group: FieldGroup
    needs_stack: bool
    needs_tasks: bool
    needs_request: bool


class FastCall:
    """The common handler shape, run straight-line: no dependency tree to walk.

    ``arguments`` reads the body and the per-message context values into the
    keyword arguments (synchronously); values that depend only on the run
    environment (``Logger``, the broker) come from ``env_arguments``, which a
    subscriber computes once. Then each parameterless ``async def`` dependency
    is awaited and the handler called. A subscriber may inline ``run`` into its
    own delivery coroutine.
    """

    __slots__ = ("arguments", "call", "deps", "env_contexts")

    def __init__(
        self,
        arguments: Callable[[StreamMessage, RunEnv, dict[str, Any]], None],
        env_contexts: tuple[tuple[str, ContextGetter], ...],
        deps: tuple[tuple[str | None, Callable[[], Awaitable[Any]]], ...],
        call: Callable[..., Awaitable[Any]],
    ) -> None:
        self.arguments = arguments
        self.env_contexts = env_contexts
        self.deps = deps
        self.call = call

    def env_arguments(self, env: RunEnv) -> dict[str, Any]:
        """The keyword arguments that are the same for every message in ``env``."""
        return {name: getter(NO_MESSAGE, env) for name, getter in self.env_contexts}

    async def run(self, message: StreamMessage, env: RunEnv) -> tuple[Any, BackgroundTasks | None]:
        kwargs = self.env_arguments(env)
        self.arguments(message, env, kwargs)
        for name, dep in self.deps:
            value = await dep()
            if name is not None:
                kwargs[name] = value
        return await self.call(**kwargs), None


def fast_call(plan: Shape) -> FastCall | None:
    """A straight-line runner for ``plan`` when its shape allows one, or ``None``.

    The shape: an ``async def`` handler whose dependencies are framework
    values and parameterless ``async def`` functions, taking the whole body
    (or none) — no ``Request``, background tasks, ``yield`` or headers.
    """
    root, body = plan.root, plan.body
    if (
        plan.needs_stack
        or plan.needs_tasks
        or plan.needs_request
        or root.kind != ASYNC
        or root.response_name
        or root.scopes_name
        or plan.header_group.model is not None
        or plan.path_group.model is not None
        or body.group is not None
    ):
        return None
    contexts: list[tuple[str, ContextGetter]] = []
    env_contexts: list[tuple[str, ContextGetter]] = []
    deps: list[tuple[str | None, Callable[[], Awaitable[Any]]]] = []
    seen: set[Any] = set()
    for name, node in root.subs:
        if node.context is not None and name is not None:
            if node.context.parts in ENV_ONLY:
                env_contexts.append((name, node.context_getter))
            else:
                contexts.append((name, node.context_getter))
        elif node.bare_async and node.cache_key not in seen:
            if node.cache_key is not None:
                seen.add(node.cache_key)
            deps.append((name, node.call))
        else:
            return None
    call, whole = root.call, body.whole
    read_whole, read_message = body.read_whole, body.read_message
    # JSON bodies (the common case) go straight to the core validator.
    validate_json = (
        body.adapter.validator.validate_json
        if body.adapter is not None and not body.raw_bytes
        else None
    )
    json_type = codec.JSON

    def arguments(message: StreamMessage, env: RunEnv, kwargs: dict[str, Any]) -> None:
        if whole is not None:
            raw = message.body
            if validate_json is not None and raw and message.content_type == json_type:
                try:
                    kwargs[whole] = validate_json(raw)
                except ValidationError:
                    kwargs[whole] = read_whole(raw, json_type)  # raises, with locations
            else:
                kwargs[whole] = read_message(message)
        for name, getter in contexts:
            kwargs[name] = getter(message, env)

    return FastCall(arguments, tuple(env_contexts), tuple(deps), call)

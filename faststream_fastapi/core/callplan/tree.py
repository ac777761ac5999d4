"""The general runner: walks the dependency tree for each message.

Used when the handler's shape has no straight-line runner (``fast.py``):
headers or path parameters, several body keys, ``Request``, background tasks,
``yield`` or sync dependencies, security scopes.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import KW_ONLY, dataclass
from typing import Any

from fastapi.background import BackgroundTasks
from fastapi.security import SecurityScopes
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response as StarletteResponse

from ..fastapi_compat import contextmanager_in_threadpool
from ..message import StreamMessage
from .env import MessageRun, RunEnv
from .fields import BodyReader, FieldGroup
from .nodes import AGEN, ASYNC, SYNC, Node


@dataclass(slots=True)
class TreeRunner:
    """Validate, resolve dependencies, call; the result and queued tasks."""

    root: Node
    body: BodyReader
    header_group: FieldGroup
    path_group: FieldGroup
    _: KW_ONLY
    needs_tasks: bool
    needs_stack: bool
    #: Some ``Path()`` parameter names no ``{part}`` of the subscription: it is read
    #: from the body's key of that name, as FastStream 0.5 did.
    path_from_body: bool = False
    #: A custom ``decoder=`` ran: parameters come from its value (``read_decoded``).
    decoded: bool = False

    async def run(self, message: StreamMessage, env: RunEnv) -> tuple[Any, BackgroundTasks | None]:
        run = MessageRun(message, env)
        if self.decoded:
            self.body.read_decoded(message, run.data)
        else:
            self.body.read(message, run.data)
        if self.header_group.model is not None:
            self.header_group.validate(message.headers.as_dict(), run.headers)
        if self.path_group.model is not None:
            self.path_group.validate(self._path_values(message), run.path)
        if self.needs_tasks:
            run.tasks = BackgroundTasks()
        if self.needs_stack:
            async with AsyncExitStack() as stack:
                run.stack = stack
                result = await solve(self.root, run)
        else:
            result = await solve(self.root, run)
        return result, run.tasks

    def _path_values(self, message: StreamMessage) -> Mapping[str, Any]:
        if not self.path_from_body or not message.body:
            return message.path
        try:
            decoded = message.decoded()
        except Exception:  # not JSON: only the subscription's parts are known
            return message.path
        return {**decoded, **message.path} if isinstance(decoded, dict) else message.path


async def solve(node: Node, run: MessageRun) -> Any:
    """``node``'s value for this message, its dependencies first (cached per message)."""
    if node.context is not None:
        return node.context_getter(run.message, run.env)
    kwargs: dict[str, Any] = {}
    cache = run.cache
    for name, sub in node.subs:
        key = sub.cache_key
        if sub.context is not None:
            value = sub.context_getter(run.message, run.env)
        elif key is not None and key in cache:
            value = cache[key]
        elif sub.bare_async:
            # A parameterless ``async def``: call it without a frame of ours.
            value = await sub.call()
            if key is not None:
                cache[key] = value
        else:
            value = await solve(sub, run)
            if key is not None:
                cache[key] = value
        if name is not None:
            kwargs[name] = value
    if node.data:
        data = run.data
        for name, key in node.data:
            kwargs[name] = data[key]
    if node.headers:
        for name, key in node.headers:
            kwargs[name] = run.headers[key]
    if node.path:
        for name, key in node.path:
            kwargs[name] = run.path[key]
    if node.request_name is not None:
        kwargs[node.request_name] = run.get_request()
    if node.tasks_name is not None:
        kwargs[node.tasks_name] = run.tasks
    if node.response_name is not None:
        kwargs[node.response_name] = StarletteResponse()
    if node.scopes_name is not None:
        kwargs[node.scopes_name] = SecurityScopes(scopes=node.scopes)
    kind = node.kind
    if kind == ASYNC:
        return await node.call(**kwargs)
    if kind == SYNC:
        return await run_in_threadpool(node.call, **kwargs)
    assert run.stack is not None
    if kind == AGEN:
        return await run.stack.enter_async_context(asynccontextmanager(node.call)(**kwargs))
    return await run.stack.enter_async_context(
        contextmanager_in_threadpool(contextmanager(node.call)(**kwargs))
    )

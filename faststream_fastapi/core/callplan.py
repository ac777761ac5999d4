"""A handler analysed once into a call plan; per message the plan only runs.

FastAPI's ``get_dependant`` decides what each parameter means (body, header,
path, dependency, ``Request``...). From that tree we build validators and a
resolution order once, so a message costs one body validation, the user's own
dependencies and the call — no generic per-request solver.

Which parameters take the body: every body or query parameter in the whole
dependency tree, by name. One such parameter receives the whole body; several
receive the keys of a JSON object body. Headers feed ``Header()`` parameters
(case-insensitively), the destination's ``{name}`` parts feed ``Path()``.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from typing import Annotated, Any, ForwardRef

from fastapi import params
from fastapi.background import BackgroundTasks
from fastapi.concurrency import contextmanager_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import (
    get_dependant,
    get_parameterless_sub_dependant,
    get_typed_signature,
)
from fastapi.security import SecurityScopes
from pydantic import BaseModel, Field, TypeAdapter, ValidationError, create_model
from pydantic.fields import FieldInfo
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response as StarletteResponse

from . import codec
from .context import Context, ContextField
from .errors import MessageDecodeError, MessageValidationError, SetupError
from .message import StreamMessage

Overrides = Mapping[Callable[..., Any], Callable[..., Any]]
Runner = Callable[["StreamMessage", "RunEnv"], Awaitable[tuple[Any, BackgroundTasks | None]]]

_ASYNC, _SYNC, _AGEN, _GEN, _CONTEXT = range(5)


def _unwrap(call: Any) -> Any:
    while hasattr(call, "__wrapped__"):
        call = call.__wrapped__
    return call


def _call_kind(call: Any) -> int:
    if isinstance(call, ContextField):
        return _CONTEXT
    target = _unwrap(call)
    if inspect.isclass(target):
        return _SYNC
    for candidate in (target, getattr(target, "__call__", None)):  # noqa: B004
        if candidate is None:
            continue
        if inspect.isasyncgenfunction(candidate):
            return _AGEN
        if inspect.isgeneratorfunction(candidate):
            return _GEN
        if inspect.iscoroutinefunction(candidate):
            return _ASYNC
    return _SYNC


class RunEnv:
    """What a plan needs from its surroundings: broker, logger, app and state."""

    __slots__ = ("app", "broker", "logger", "state")

    def __init__(
        self, broker: Any, logger: Any, app: Any = None, state: dict[str, Any] | None = None
    ) -> None:
        self.broker = broker
        self.logger = logger
        self.app = app
        self.state = state if state is not None else {}


class _Run:
    """Per-message scratch space."""

    __slots__ = ("cache", "data", "env", "headers", "message", "path", "request", "stack", "tasks")

    def __init__(self, message: StreamMessage, env: RunEnv) -> None:
        self.message = message
        self.env = env
        self.data: dict[str, Any] = {}
        self.headers: dict[str, Any] = {}
        self.path: dict[str, Any] = {}
        self.cache: dict[Any, Any] = {}
        self.stack: AsyncExitStack | None = None
        self.tasks: BackgroundTasks | None = None
        self.request: Request | None = None

    def get_request(self) -> Request:
        if self.request is None:
            msg = self.message
            scope: dict[str, Any] = {
                "type": "http",
                "http_version": "1.1",
                "method": "POST",
                "scheme": "broker",
                "path": "/" + msg.destination,
                "raw_path": msg.destination.encode(),
                "root_path": "",
                "query_string": b"",
                "headers": [(k.encode(), v.encode()) for k, v in msg.headers.items()],
                "path_params": dict(msg.path),
                # A copy, as Starlette gives each request, so handlers cannot
                # change the application's lifespan state by accident.
                "state": dict(self.env.state),
                "app": self.env.app,
                "message": msg,
            }
            self.request = Request(scope)
        return self.request


class _Node:
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

    def __init__(self, dependant: Dependant) -> None:
        assert dependant.call is not None
        self.call: Any = dependant.call
        self.name = dependant.name
        self.kind = _call_kind(self.call)
        self.context = self.call if isinstance(self.call, ContextField) else None
        self.context_getter = _context_getter(self.context) if self.context else _no_context
        scopes = list(dependant.parent_oauth_scopes or [])
        for scope in dependant.own_oauth_scopes or []:
            if scope not in scopes:
                scopes.append(scope)
        self.scopes = scopes
        self.cache_key: Any = (self.call, tuple(sorted(scopes))) if dependant.use_cache else None
        # A ``None`` name: a parameterless dependency (``dependencies=[...]``).
        self.subs: list[tuple[str | None, _Node]] = []
        self.data = [(f.name, f.name) for f in (*dependant.body_params, *dependant.query_params)]
        self.headers = [(f.name, f.name) for f in dependant.header_params]
        self.path = [(f.name, f.name) for f in dependant.path_params]
        self.request_name = dependant.request_param_name or dependant.http_connection_param_name
        self.tasks_name = dependant.background_tasks_param_name
        self.response_name = dependant.response_param_name
        self.scopes_name = dependant.security_scopes_param_name
        self.bare_async = False  # set once the children are known (``seal``)

    def seal(self) -> None:
        self.bare_async = self.kind == _ASYNC and not (
            self.subs
            or self.data
            or self.headers
            or self.path
            or self.request_name
            or self.tasks_name
            or self.response_name
            or self.scopes_name
        )


ContextGetter = Callable[[StreamMessage, RunEnv], Any]

_DIRECT: dict[str, ContextGetter] = {
    "message": lambda message, env: message,
    "broker": lambda message, env: env.broker,
    "logger": lambda message, env: env.logger,
}


#: Context names whose value depends on the run environment only, not the message.
_ENV_ONLY = frozenset({("broker",), ("logger",)})
#: What an environment-only getter is given for the message it does not read.
_NO_MESSAGE: Any = None


def _locals(message: StreamMessage, env: RunEnv) -> dict[str, Any]:
    return {
        "message": message,
        "broker": env.broker,
        "logger": env.logger,
        "state": env.state,
        "app": env.app,
        "context": {"message": message, "broker": env.broker},
    }


def _context_getter(field: ContextField) -> ContextGetter:
    """The cheapest way to read a context value: direct for the common names."""
    if len(field.parts) == 1 and field.parts[0] in _DIRECT:
        return _DIRECT[field.parts[0]]
    return lambda message, env: field.resolve(_locals(message, env))


def _no_context(message: StreamMessage, env: RunEnv) -> Any:  # pragma: no cover - never called
    raise AssertionError("not a context node")


class _FieldGroup:
    """Validates one source (body, headers or path) for all fields at once."""

    def __init__(self, source: str, fields: list[Any], handler: str) -> None:
        self.source = source
        self.handler = handler
        self.names = [f.name for f in fields]
        self.model: type[BaseModel] | None = None
        if fields:
            definitions: dict[str, Any] = {}
            for f in fields:
                info: FieldInfo = f.field_info
                key = f.alias.lower() if source == "headers" else f.alias
                annotation = _annotated(info)
                default = ... if info.is_required() else info.get_default(call_default_factory=True)
                definitions[f.name] = (annotation, Field(default, alias=key))
            self.model = create_model(f"{handler}_{source}", **definitions)

    def validate(self, raw: Mapping[str, Any], into: dict[str, Any]) -> None:
        if self.model is None:
            return
        try:
            obj = self.model.model_validate(raw)
        except ValidationError as exc:
            raise _located(exc, self.source, self.handler) from None
        for name in self.names:
            into[name] = getattr(obj, name)


def _annotated(info: FieldInfo) -> Any:
    """The field's type with its constraints (``Annotated[int, Gt(0)]``)."""
    if not info.metadata:
        return info.annotation
    return Annotated.__class_getitem__((info.annotation, *info.metadata))  # type: ignore[attr-defined]


def _located(exc: ValidationError, source: str, handler: str) -> MessageValidationError:
    errors: list[dict[str, Any]] = []
    for e in exc.errors(include_url=False, include_input=False):
        errors.append({**e, "loc": (source, *e["loc"])})
    return MessageValidationError(handler, errors)


class _BodyReader:
    """Turns the body into the values of the body-taking parameters."""

    def __init__(self, fields: list[Any], handler: str) -> None:
        self.handler = handler
        self.whole: str | None = None
        self.adapter: TypeAdapter[Any] | None = None
        self.raw_bytes = self.raw_text = False
        self.group: _FieldGroup | None = None
        self.default: Any = None
        self.required = True
        embed = (
            len(fields) == 1
            and isinstance(fields[0].field_info, params.Body)
            and bool(getattr(fields[0].field_info, "embed", False))
        )
        if len(fields) == 1 and not embed:
            f = fields[0]
            info: FieldInfo = f.field_info
            self.whole = f.name
            self.adapter = TypeAdapter(_annotated(info))
            self.raw_bytes = info.annotation is bytes
            self.raw_text = info.annotation is str
            self.required = info.is_required()
            if not self.required:
                self.default = info.get_default(call_default_factory=True)
        elif fields:
            self.group = _FieldGroup("body", fields, handler)

    def read(self, message: StreamMessage, into: dict[str, Any]) -> None:
        body = message.body
        if self.whole is not None:
            into[self.whole] = self.read_whole(body, message.content_type)
        elif self.group is not None and self.group.model is not None:
            if not body:
                raw: Any = {}
            else:
                raw = _decode(message)
                if not isinstance(raw, dict):
                    raise MessageDecodeError(
                        f"message for {self.handler} must be a JSON object "
                        f"with keys {', '.join(self.group.names)}"
                    )
            self.group.validate(raw, into)

    def read_whole(self, body: bytes, content_type: str | None) -> Any:
        assert self.adapter is not None
        if not body and not self.raw_bytes and not self.raw_text:
            if not self.required:
                return self.default
            raise MessageValidationError(
                self.handler, [{"type": "missing", "loc": ("body",), "msg": "empty body"}]
            )
        try:
            if self.raw_bytes:
                return body
            if codec.is_json(content_type):
                # The core validator directly: TypeAdapter's wrapper costs a call.
                return self.adapter.validator.validate_json(body)
            if self.raw_text or codec.is_text(content_type):
                return self.adapter.validate_python(_text(body))
            if content_type is None:
                return self.adapter.validate_python(codec.decode(body, None))
            return self.adapter.validate_python(body)
        except ValidationError as exc:
            if _is_json_syntax_error(exc):
                raise MessageDecodeError(f"message for {self.handler} is not valid JSON") from None
            raise _located(exc, "body", self.handler) from None


def _is_json_syntax_error(exc: ValidationError) -> bool:
    return any(e["type"] == "json_invalid" for e in exc.errors(include_input=False))


def _text(body: bytes) -> str:
    try:
        return body.decode()
    except UnicodeDecodeError:
        raise MessageDecodeError("text body is not valid UTF-8") from None


def _decode(message: StreamMessage) -> Any:
    try:
        return message.decode()
    except codec.DecodeError as exc:
        raise MessageDecodeError(str(exc)) from None


def _framework_typed(call: Callable[..., Any]) -> Any:
    """``call``'s signature with bare ``StreamMessage``/broker/``Logger`` hints made
    framework values, so ``msg: NatsMessage`` works without ``Annotated``."""
    signature = get_typed_signature(call)
    params_ = []
    changed = False
    for param in signature.parameters.values():
        name = _framework_name(param.annotation)
        if name is not None:
            param = param.replace(annotation=Annotated[param.annotation, Context(name)])
            changed = True
        params_.append(param)
    if not changed:
        return call

    def analysed(*args: Any, **kwargs: Any) -> Any:  # pragma: no cover - never called
        raise AssertionError

    analysed.__signature__ = signature.replace(parameters=params_)  # type: ignore[attr-defined]
    analysed.__name__ = getattr(call, "__name__", "handler")
    return analysed


def _framework_name(annotation: Any) -> str | None:
    if not inspect.isclass(annotation):
        return None
    if issubclass(annotation, StreamMessage):
        return "message"
    if issubclass(annotation, logging.Logger):
        return "logger"
    if getattr(annotation, "__faststream_broker__", False):
        return "broker"
    return None


def _describe(call: Any) -> str:
    target = _unwrap(call)
    return getattr(target, "__qualname__", None) or type(target).__name__


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
        return {name: getter(_NO_MESSAGE, env) for name, getter in self.env_contexts}

    async def run(self, message: StreamMessage, env: RunEnv) -> tuple[Any, BackgroundTasks | None]:
        kwargs = self.env_arguments(env)
        self.arguments(message, env, kwargs)
        for name, dep in self.deps:
            value = await dep()
            if name is not None:
                kwargs[name] = value
        return await self.call(**kwargs), None


class CallPlan:
    """The compiled form of one handler and its dependency tree."""

    def __init__(
        self,
        call: Callable[..., Any],
        *,
        path: str = "",
        dependencies: Sequence[params.Depends] = (),
        overrides: Overrides | None = None,
    ) -> None:
        self.call = call
        self.name = _describe(call)
        self.path = path
        try:
            dependant = get_dependant(path=path, call=_framework_typed(call))
            dependant.call = call
            for depends in reversed(dependencies):
                dependant.dependencies.insert(
                    0, get_parameterless_sub_dependant(depends=depends, path=path)
                )
        except (AssertionError, TypeError, ValueError, RuntimeError) as exc:
            raise SetupError(f"handler {self.name} cannot be used: {exc}") from exc
        self._overrides = dict(overrides or {})
        data: dict[str, Any] = {}
        headers: dict[str, Any] = {}
        path_fields: dict[str, Any] = {}
        self.needs_request = self.needs_tasks = self.needs_stack = False
        self.root = self._build(dependant, data, headers, path_fields)
        self.body = _BodyReader(list(data.values()), self.name)
        self.header_group = _FieldGroup("headers", list(headers.values()), self.name)
        self.path_group = _FieldGroup("path", list(path_fields.values()), self.name)
        self.body_fields = list(data.values())
        self.header_fields = list(headers.values())
        #: ``await plan.run(message, env)`` -> (result, background tasks or None)
        #: The straight-line path when the handler's shape allows one (see ``_fast_call``).
        self.fast: FastCall | None = self._fast_call()
        self.run: Runner = self.fast.run if self.fast is not None else self._run_general

    def _build(
        self,
        dependant: Dependant,
        data: dict[str, Any],
        headers: dict[str, Any],
        path_fields: dict[str, Any],
    ) -> _Node:
        where = _describe(dependant.call)
        if dependant.websocket_param_name:
            raise SetupError(
                f"handler {self.name}: parameter {dependant.websocket_param_name!r} of "
                f"{where} asks for a WebSocket, which a message does not have"
            )
        if dependant.cookie_params:
            raise SetupError(
                f"handler {self.name}: parameter {dependant.cookie_params[0].name!r} of "
                f"{where} is a Cookie, which a message does not have"
            )
        for f in dependant.body_params:
            if isinstance(f.field_info, params.Form | params.File):
                raise SetupError(
                    f"handler {self.name}: parameter {f.name!r} of {where} is a form field; "
                    "messages carry a body, not a form"
                )
        for f in (*dependant.body_params, *dependant.query_params, *dependant.header_params):
            if isinstance(f.field_info.annotation, ForwardRef | str):
                raise SetupError(
                    f"handler {self.name}: the annotation of parameter {f.name!r} of {where} "
                    f"({f.field_info.annotation!r}) cannot be resolved; define the names it "
                    "uses at module level"
                )
        node = _Node(dependant)
        for f in (*dependant.body_params, *dependant.query_params):
            data.setdefault(f.name, f)
        for f in dependant.header_params:
            headers.setdefault(f.name, f)
        for f in dependant.path_params:
            path_fields.setdefault(f.name, f)
        self.needs_request |= node.request_name is not None
        self.needs_tasks |= node.tasks_name is not None
        self.needs_stack |= node.kind in (_AGEN, _GEN)
        for sub in dependant.dependencies:
            assert sub.name is not None or sub.call is not None
            replacement = self._overrides.get(sub.call) if sub.call is not None else None
            if replacement is not None:
                sub = get_dependant(
                    path=self.path,
                    call=replacement,
                    name=sub.name,
                    own_oauth_scopes=sub.own_oauth_scopes,
                    parent_oauth_scopes=sub.parent_oauth_scopes,
                    use_cache=sub.use_cache,
                )
            child = self._build(sub, data, headers, path_fields)
            node.subs.append((sub.name, child))
        node.seal()
        return node

    # -- per message --------------------------------------------------------

    def _fast_call(self) -> FastCall | None:
        """A straight-line runner for the common shape, or ``None``.

        The shape: an ``async def`` handler whose dependencies are framework
        values and parameterless ``async def`` functions, taking the whole body
        (or none) — no ``Request``, background tasks, ``yield`` or headers.
        """
        root, body = self.root, self.body
        if (
            self.needs_stack
            or self.needs_tasks
            or self.needs_request
            or root.kind != _ASYNC
            or root.response_name
            or root.scopes_name
            or self.header_group.model is not None
            or self.path_group.model is not None
            or body.group is not None
        ):
            return None
        contexts: list[tuple[str, ContextGetter]] = []
        env_contexts: list[tuple[str, ContextGetter]] = []
        deps: list[tuple[str | None, Callable[[], Awaitable[Any]]]] = []
        seen: set[Any] = set()
        for name, node in root.subs:
            if node.context is not None and name is not None:
                if node.context.parts in _ENV_ONLY:
                    env_contexts.append((name, node.context_getter))
                else:
                    contexts.append((name, node.context_getter))
            elif node.bare_async and node.cache_key not in seen:
                if node.cache_key is not None:
                    seen.add(node.cache_key)
                deps.append((name, node.call))
            else:
                return None
        call, whole, read_whole = root.call, body.whole, body.read_whole
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
                    kwargs[whole] = read_whole(raw, message.content_type)
            for name, getter in contexts:
                kwargs[name] = getter(message, env)

        return FastCall(arguments, tuple(env_contexts), tuple(deps), call)

    async def _run_general(
        self, message: StreamMessage, env: RunEnv
    ) -> tuple[Any, BackgroundTasks | None]:
        """Validate, resolve dependencies, call; return the result and queued tasks."""
        run = _Run(message, env)
        self.body.read(message, run.data)
        if self.header_group.model is not None:
            self.header_group.validate(message.headers.as_dict(), run.headers)
        if self.path_group.model is not None:
            self.path_group.validate(message.path, run.path)
        if self.needs_tasks:
            run.tasks = BackgroundTasks()
        if self.needs_stack:
            async with AsyncExitStack() as stack:
                run.stack = stack
                result = await self._solve(self.root, run)
        else:
            result = await self._solve(self.root, run)
        return result, run.tasks

    async def _solve(self, node: _Node, run: _Run) -> Any:
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
                value = await self._solve(sub, run)
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
        if kind == _ASYNC:
            return await node.call(**kwargs)
        if kind == _SYNC:
            return await run_in_threadpool(node.call, **kwargs)
        assert run.stack is not None
        if kind == _AGEN:
            return await run.stack.enter_async_context(asynccontextmanager(node.call)(**kwargs))
        return await run.stack.enter_async_context(
            contextmanager_in_threadpool(contextmanager(node.call)(**kwargs))
        )

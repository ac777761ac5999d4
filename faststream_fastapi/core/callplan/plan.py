"""``CallPlan``: a handler and its dependency tree, compiled once at registration."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ForwardRef

from fastapi import params
from fastapi.background import BackgroundTasks

from ..errors import SetupError
from ..fastapi_compat import Analysed, Param, analyse, analyse_override, typed_signature
from ..message import StreamMessage
from .env import RunEnv
from .fast import FastCall, fast_call
from .fields import BodyReader, FieldGroup
from .nodes import AGEN, GEN, Node, describe
from .signature import field_typed_dependencies, framework_typed, parameter_type, refusals
from .starargs import star_of, with_star_args
from .tree import TreeRunner

Overrides = Mapping[Callable[..., Any], Callable[..., Any]]
Runner = Callable[[StreamMessage, RunEnv], Awaitable[tuple[Any, BackgroundTasks | None]]]


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
        self.name = describe(call)
        self.path = path
        target = with_star_args(call)
        field_typed_dependencies([target, *(d.dependency for d in dependencies)])
        signature_of = framework_typed(target)
        try:
            analysed = analyse(
                target, path=path, signature_of=signature_of, dependencies=dependencies
            )
        except (AssertionError, TypeError, ValueError, RuntimeError) as exc:
            raise SetupError(f"handler {self.name} cannot be used: {exc}") from exc
        self._overrides = dict(overrides or {})
        data: dict[str, Param] = {}
        headers: dict[str, Param] = {}
        path_fields: dict[str, Param] = {}
        self.needs_request = self.needs_tasks = self.needs_stack = False
        #: Scalar (query-like) fields that dependencies declare: a dict body's keys
        #: feed them by name, as FastStream 0.5 did, even when there is only one.
        self._dep_keys: set[str] = set()
        self.root = self._build(analysed, data, headers, path_fields)
        self.body = BodyReader(list(data.values()), self.name, keyed=bool(self._dep_keys))
        if self.body.group is not None:
            star = star_of(target)
            if star is not None:
                self.body.positional = [name for name in star[1] if name in data]
                self.body.rest = star[0]
            else:
                own = [n for n in typed_signature(signature_of).parameters if n in data]
                # One such parameter takes a list body whole, as any body.
                self.body.positional = own if len(own) > 1 else []
        self.header_group = FieldGroup("headers", list(headers.values()), self.name)
        self.path_group = FieldGroup("path", list(path_fields.values()), self.name)
        parts = set(re.findall(r"\{(\w+)\}", path))
        self.path_from_body = any(f.alias not in parts for f in path_fields.values())
        self.body_fields = list(data.values())
        self.header_fields = list(headers.values())
        #: The straight-line path when the handler's shape allows one (see ``fast_call``).
        self.fast: FastCall | None = fast_call(self)
        #: ``await plan.run(message, env)`` -> (result, background tasks or None)
        self.run: Runner = self.fast.run if self.fast is not None else self._tree_runner().run
        self._run_decoded: Runner | None = None

    @property
    def run_decoded(self) -> Runner:
        """``run`` after a custom ``decoder=``: parameters read from what it returned."""
        if self._run_decoded is None:
            self._run_decoded = self._tree_runner(decoded=True).run
        return self._run_decoded

    def _tree_runner(self, *, decoded: bool = False) -> TreeRunner:
        return TreeRunner(
            self.root,
            self.body,
            self.header_group,
            self.path_group,
            needs_tasks=self.needs_tasks,
            needs_stack=self.needs_stack,
            path_from_body=self.path_from_body,
            decoded=decoded,
        )

    def _build(
        self,
        analysed: Analysed,
        data: dict[str, Param],
        headers: dict[str, Param],
        path_fields: dict[str, Param],
    ) -> Node:
        self._refuse_http_only(analysed)
        node = Node(analysed)
        for f in (*analysed.body, *analysed.query):
            data.setdefault(f.name, f)
        for f in analysed.headers:
            headers.setdefault(f.name, f)
        for f in analysed.path:
            path_fields.setdefault(f.name, f)
        self.needs_request |= node.request_name is not None
        self.needs_tasks |= node.tasks_name is not None
        self.needs_stack |= node.kind in (AGEN, GEN)
        for sub in analysed.subs:
            replacement = self._overrides.get(sub.call)
            if replacement is not None:
                sub = analyse_override(sub, replacement, path=self.path)
            self._dep_keys.update(f.name for f in sub.query)
            child = self._build(sub, data, headers, path_fields)
            if child.context is not None and child.context.cast and sub.name is not None:
                # ``Context(cast=True)``: validated against the parameter's annotation.
                child.cast_to(parameter_type(analysed.call, sub.name))
            node.subs.append((sub.name, child))
        node.seal()
        return node

    def _refuse_http_only(self, analysed: Analysed) -> None:
        """Parameters only an HTTP request can fill fail at registration."""
        where = describe(analysed.call)
        if analysed.websocket_name:
            raise SetupError(
                f"handler {self.name}: parameter {analysed.websocket_name!r} of "
                f"{where} asks for a WebSocket, which a message does not have"
            )
        if analysed.cookies:
            raise SetupError(
                f"handler {self.name}: parameter {analysed.cookies[0].name!r} of "
                f"{where} is a Cookie, which a message does not have"
            )
        refused = refusals(analysed.call, [f.name for f in analysed.query])
        if refused is not None:
            inside = "" if where == self.name else f" (in {where})"
            raise SetupError(f"handler {self.name}: {refused}{inside}")
        for f in analysed.body:
            if isinstance(f.field_info, params.Form | params.File):
                raise SetupError(
                    f"handler {self.name}: parameter {f.name!r} of {where} is a form field; "
                    "messages carry a body, not a form"
                )
        for f in (*analysed.body, *analysed.query, *analysed.headers):
            if isinstance(f.field_info.annotation, ForwardRef | str):
                raise SetupError(
                    f"handler {self.name}: the annotation of parameter {f.name!r} of {where} "
                    f"({f.field_info.annotation!r}) cannot be resolved; define the names it "
                    "uses at module level"
                )

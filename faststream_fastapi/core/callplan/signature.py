"""What a handler's signature means for a message.

Bare framework type hints (``msg: NatsMessage``, ``logger: Logger``) become
context values; parameters no message can fill are refused at registration.
"""

from __future__ import annotations

import copy
import inspect
import logging
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from fastapi import params
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from ..context import Context
from ..fastapi_compat import typed_signature
from ..message import StreamMessage


def framework_typed(call: Callable[..., Any]) -> Any:
    """``call``, or a stand-in whose signature has bare ``StreamMessage``/broker/
    ``Logger`` hints made framework values, so ``msg: NatsMessage`` works without
    ``Annotated``, and a pydantic ``Field(...)`` default made ``Annotated[T, Field(...)]``
    (FastStream 0.5's form, which FastAPI refuses as a default). Only its signature is
    read; it is never called."""
    signature = typed_signature(call)
    params_ = []
    changed = False
    for param in signature.parameters.values():
        name = framework_name(param.annotation)
        if name is not None:
            param = param.replace(annotation=Annotated[param.annotation, Context(name)])
            changed = True
        elif _plain_field(param.default):
            param = _field_annotated(param)
            changed = True
        params_.append(param)
    if not changed:
        return call

    def analysed(*args: Any, **kwargs: Any) -> Any:  # pragma: no cover - never called
        raise AssertionError

    analysed.__signature__ = signature.replace(parameters=_ordered(params_))  # type: ignore[attr-defined]
    analysed.__name__ = getattr(call, "__name__", "handler")
    return analysed


def field_typed_dependencies(calls: Iterable[Any], seen: set[int] | None = None) -> None:
    """Give the dependency functions of ``calls`` (and theirs) that have a pydantic
    ``Field(...)`` default a ``__signature__`` with it as ``Annotated[T, Field(...)]``,
    which is what FastAPI reads: FastStream 0.5 took the default form in dependencies
    too. The function itself is unchanged and still the one called (and overridden)."""
    seen = set() if seen is None else seen
    for call in calls:
        for dependency in _dependencies(call):
            if id(dependency) in seen:
                continue
            seen.add(id(dependency))
            if inspect.isfunction(dependency):
                signature = typed_signature(dependency)
                parameters = list(signature.parameters.values())
                if any(_plain_field(p.default) for p in parameters):
                    fields = [
                        _field_annotated(p) if _plain_field(p.default) else p for p in parameters
                    ]
                    dependency.__signature__ = signature.replace(  # type: ignore[attr-defined]
                        parameters=_ordered(fields)
                    )
            field_typed_dependencies([dependency], seen)


def _dependencies(call: Any) -> list[Any]:
    """The callables ``call``'s parameters depend on (``Depends()`` defaults or metadata)."""
    try:
        parameters = typed_signature(call).parameters.values()
    except (TypeError, ValueError, NameError):
        return []
    found = []
    for param in parameters:
        marks = [param.default, *getattr(param.annotation, "__metadata__", ())]
        for mark in marks:
            if isinstance(mark, params.Depends):
                target = mark.dependency
                if target is None:  # ``x: Cls = Depends()``
                    target = getattr(param.annotation, "__origin__", param.annotation)
                if callable(target):
                    found.append(target)
    return found


def parameter_type(call: Callable[..., Any], name: str) -> Any:
    """The annotation of ``call``'s parameter ``name``, without ``Annotated``'s metadata."""
    try:
        param = typed_signature(call).parameters.get(name)
    except (TypeError, ValueError):  # no signature to read
        return inspect.Parameter.empty
    if param is None:
        return inspect.Parameter.empty
    annotation = param.annotation
    return annotation.__origin__ if hasattr(annotation, "__metadata__") else annotation


def _plain_field(default: Any) -> bool:
    """A pydantic ``Field(...)`` default that is none of FastAPI's own parameters."""
    return isinstance(default, FieldInfo) and not isinstance(default, params.Param | params.Body)


def _field_annotated(param: inspect.Parameter) -> inspect.Parameter:
    """``x: T = Field(d, ...)`` as ``x: Annotated[T, Field(...)] = d``, as FastAPI takes it."""
    info = copy.copy(param.default)
    default = info.default
    info.default = PydanticUndefined
    if default is PydanticUndefined:
        default = param.empty
    annotation = Any if param.annotation is param.empty else param.annotation
    return param.replace(annotation=Annotated[annotation, info], default=default)


def _ordered(parameters: list[inspect.Parameter]) -> list[inspect.Parameter]:
    """``parameters`` as a valid signature: a ``Field(default_factory=...)`` one lost
    its default and may follow one with a default, so they become keyword-only (the
    stand-in is only read, in the same order)."""
    kinds = {p.kind for p in parameters}
    defaults = [p.default is not p.empty for p in parameters if p.kind in _POSITIONAL]
    if inspect.Parameter.VAR_POSITIONAL in kinds or defaults == sorted(defaults):
        return parameters
    return [p.replace(kind=p.KEYWORD_ONLY) if p.kind in _POSITIONAL else p for p in parameters]


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def framework_name(annotation: Any) -> str | None:
    if not inspect.isclass(annotation):
        return None
    if issubclass(annotation, StreamMessage):
        return "message"
    if issubclass(annotation, logging.Logger):
        return "logger"
    if getattr(annotation, "__faststream_broker__", False):
        return "broker"
    return None


def refusals(call: Callable[..., Any], query: list[str]) -> str | None:
    """What makes ``call`` unusable for a message, if anything: a ``*args`` or
    ``**kwargs`` parameter, an explicit ``Query()`` (a message has no query
    string; a plain parameter reads the body). A ``Path()`` whose name the
    destination has no ``{name}`` part for is not refused: it reads the body's
    key, as the seed promises ("the body fills both the body and the path
    parameters"). ``query`` are the names FastAPI sorted as such."""
    try:
        parameters = typed_signature(call).parameters.values()
    except (TypeError, ValueError):  # no signature to read: nothing to refuse
        return None
    for param in parameters:
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            star = "*" if param.kind is param.VAR_POSITIONAL else "**"
            return (
                f"parameter {star}{param.name} cannot be filled from a message; "
                "name each value the handler takes"
            )
        if param.name in query and _explicit(param, params.Query):
            return (
                f"parameter {param.name!r} is a Query(), and a message has no query "
                "string; drop Query() to read it from the body"
            )
    return None


def _explicit(param: inspect.Parameter, kind: type) -> bool:
    """Whether ``param`` is declared with a ``kind`` instance (default or ``Annotated``)."""
    if isinstance(param.default, kind):
        return True
    metadata = getattr(param.annotation, "__metadata__", ())
    return any(isinstance(m, kind) for m in metadata)

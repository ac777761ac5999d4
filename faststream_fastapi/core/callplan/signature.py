"""What a handler's signature means for a message.

Bare framework type hints (``msg: NatsMessage``, ``logger: Logger``) become
context values; parameters no message can fill are refused at registration.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import params

from ..context import Context
from ..fastapi_compat import typed_signature
from ..message import StreamMessage


def framework_typed(call: Callable[..., Any]) -> Any:
    """``call``, or a stand-in whose signature has bare ``StreamMessage``/broker/
    ``Logger`` hints made framework values, so ``msg: NatsMessage`` works without
    ``Annotated``. Only its signature is read; it is never called."""
    signature = typed_signature(call)
    params_ = []
    changed = False
    for param in signature.parameters.values():
        name = framework_name(param.annotation)
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

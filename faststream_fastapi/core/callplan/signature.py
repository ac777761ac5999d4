"""Bare framework type hints (``msg: NatsMessage``, ``logger: Logger``) made context values."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Annotated, Any

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

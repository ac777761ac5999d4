"""A handler with ``*args``: FastStream 0.5 spread a list body over the positional
parameters and gave the rest to ``*args``.

FastAPI's analysis reads keyword parameters only, so such a handler is analysed
through a stand-in whose ``*args`` is a keyword parameter of the same name (a
tuple, empty by default), and called through it: the stand-in passes the named
positional parameters and the tuple back positionally. Handlers without
``*args`` are used as they are.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, get_origin

from ..fastapi_compat import typed_signature

#: The name of the stand-in's parameter that stands for ``*args``.
STAR = "__faststream_fastapi_star__"


def with_star_args(call: Callable[..., Any]) -> Callable[..., Any]:
    """``call``, or the stand-in described above when it takes ``*args``."""
    try:
        signature = typed_signature(call)
    except (TypeError, ValueError):
        return call
    params = list(signature.parameters.values())
    star = next((p for p in params if p.kind is p.VAR_POSITIONAL), None)
    if star is None:
        return call
    before = [p.name for p in params[: params.index(star)]]
    annotation = star.annotation
    if annotation is inspect.Parameter.empty:
        annotation = tuple[Any, ...]
    elif get_origin(annotation) is not tuple:
        annotation = tuple.__class_getitem__((annotation, ...))  # ``*args: int``: each an int
    replaced = [
        star.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=())
        if p is star
        else p.replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD)
        if p.kind is p.POSITIONAL_ONLY
        else p
        for p in params
    ]

    def spread(kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        positional = [kwargs.pop(name) for name in before]
        return [*positional, *kwargs.pop(star.name)], kwargs

    if inspect.iscoroutinefunction(call):

        @functools.wraps(call)
        async def stand_in(**kwargs: Any) -> Any:
            args, rest = spread(kwargs)
            return await call(*args, **rest)

    else:

        @functools.wraps(call)
        def stand_in(**kwargs: Any) -> Any:
            args, rest = spread(kwargs)
            return call(*args, **rest)

    stand_in.__signature__ = signature.replace(parameters=replaced)  # type: ignore[attr-defined]
    setattr(stand_in, STAR, (star.name, before))
    return stand_in


def star_of(call: Callable[..., Any]) -> tuple[str, list[str]] | None:
    """The ``*args`` name and the names before it, for a stand-in; None otherwise."""
    found: tuple[str, list[str]] | None = getattr(call, STAR, None)
    return found

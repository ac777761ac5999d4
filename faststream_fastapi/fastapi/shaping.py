"""``response_model`` and its ``response_model_*`` options on ``@router.subscriber``.

As on a FastAPI route, they shape what the handler returns before it is
published (to ``@publisher`` destinations and as the reply): the value is
validated as ``response_model`` and dumped with the include/exclude options.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter

#: The keywords, without their ``response_model_`` prefix where they have one.
KEYWORDS = (
    "response_model",
    "response_model_include",
    "response_model_exclude",
    "response_model_by_alias",
    "response_model_exclude_unset",
    "response_model_exclude_defaults",
    "response_model_exclude_none",
)


def pop_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The response keywords among ``kwargs``, removed from it."""
    return {key: kwargs.pop(key) for key in KEYWORDS if key in kwargs}


def shaped(func: Callable[..., Any], options: dict[str, Any]) -> Callable[..., Any]:
    """``func`` returning its value shaped by ``options`` (``func`` itself without a model)."""
    model = options.get("response_model")
    if model is None:
        return func
    adapter: TypeAdapter[Any] = TypeAdapter(model)
    dump = {
        "include": options.get("response_model_include"),
        "exclude": options.get("response_model_exclude"),
        "by_alias": options.get("response_model_by_alias", True),
        "exclude_unset": options.get("response_model_exclude_unset", False),
        "exclude_defaults": options.get("response_model_exclude_defaults", False),
        "exclude_none": options.get("response_model_exclude_none", False),
    }

    def shape(result: Any) -> Any:
        if isinstance(result, dict | list) or not hasattr(result, "__dict__"):
            value = adapter.validate_python(result)
        else:
            value = adapter.validate_python(result, from_attributes=True)
        return adapter.dump_python(value, mode="json", **dump)

    # ``functools.wraps``: FastAPI reads the parameters through ``__wrapped__``.
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def shaped_async(*args: Any, **kwargs: Any) -> Any:
            return shape(await func(*args, **kwargs))

        return shaped_async

    @functools.wraps(func)
    def shaped_sync(*args: Any, **kwargs: Any) -> Any:
        return shape(func(*args, **kwargs))

    return shaped_sync

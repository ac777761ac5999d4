"""How a ``StreamRouter``'s constructor keywords are shared out, and its signature.

Each keyword goes to exactly one place:

- the installed FastAPI's ``APIRouter.__init__`` keywords go to ``APIRouter``
  (read from its signature: releases add some);
- FastStream 0.5's router keywords that are about the broker (``description``,
  ``asyncapi_tags``, ``log_level``, ...) go to the broker when its class takes
  them, and are refused with a ``TypeError`` naming them otherwise: they never
  reach the client library;
- the broker's own keywords and its client library's (read from the broker class's
  signature) go to the broker;
- any other keyword is a ``TypeError`` naming the router class and the keyword.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ..core.fastapi_compat import API_ROUTER_PARAMETERS

#: The router's own handling of these ``APIRouter`` keywords replaces FastAPI's.
_OWN = frozenset({"lifespan", "on_startup", "on_shutdown", "dependencies", "include_in_schema"})

_ROUTER_KEYS = frozenset(p.name for p in API_ROUTER_PARAMETERS) - _OWN

#: FastStream 0.5's keywords about the broker, by the name the broker takes it under.
_BROKER_KEYS = {
    "asyncapi_tags": "tags",
    "description": "description",
    "asyncapi_url": "asyncapi_url",
    "protocol": "protocol",
    "protocol_version": "protocol_version",
    "decoder": "decoder",
    "parser": "parser",
    "logger": "logger",
    "log_level": "log_level",
    "log_fmt": "log_fmt",
    "apply_types": "apply_types",
    "validate": "validate",
    "security": "security",
    "graceful_timeout": "graceful_timeout",
    "middlewares": "middlewares",
}

#: Kept by the router when the broker does not take it (read where the broker's is).
_KEPT_ON_BROKER = frozenset(
    {"description", "asyncapi_tags", "asyncapi_url", "protocol", "protocol_version"}
)


def split(
    owner: str, broker_class: type[Any], kwargs: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """``kwargs`` as (``APIRouter``'s, the broker's, attributes to set on the broker)."""
    takes = _named_parameters(broker_class.__init__)
    broker_keywords = inspect.signature(broker_class).parameters.values()
    open_keywords = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in broker_keywords)
    known = {p.name for p in broker_keywords}
    router: dict[str, Any] = {}
    broker: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for key, value in kwargs.items():
        if key in _ROUTER_KEYS:
            router[key] = value
        elif key in _BROKER_KEYS and _BROKER_KEYS[key] not in takes:
            if key not in _KEPT_ON_BROKER:
                raise TypeError(
                    f"{owner}() does not support {key}= (see docs/migrating.md, 'Router keywords')"
                )
            attributes[_BROKER_KEYS[key]] = value
        elif key in _BROKER_KEYS or key in known or open_keywords:
            broker[_BROKER_KEYS.get(key, key)] = value
        else:
            raise TypeError(f"{owner}() got an unexpected keyword argument {key!r}")
    # An open configuration (librdkafka's) is checked once, when the router builds
    # its broker (``security.facade.built_for``): building a client is not free.
    return router, broker, attributes


def _named_parameters(func: Callable[..., Any]) -> frozenset[str]:
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return frozenset(
        name for name, p in inspect.signature(func).parameters.items() if p.kind in kinds
    )


def router_signature(init: Callable[..., Any], broker_class: type[Any]) -> inspect.Signature:
    """The signature of a router class: the broker's, ours and ``APIRouter``'s keywords.

    ``init`` is ``StreamRouter.__init__``; its ``*args, **kwargs`` stand for the
    broker's parameters and ``APIRouter``'s, which this spells out.
    """
    broker_params = list(inspect.signature(broker_class).parameters.values())
    own = [
        p
        for p in inspect.signature(init).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    positional = [p for p in broker_params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    keyword: dict[str, inspect.Parameter] = {}
    for p in (*own, *API_ROUTER_PARAMETERS, *broker_params):
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in keyword:
            keyword[p.name] = p
    for key in _KEPT_ON_BROKER:
        kept = inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=None)
        keyword.setdefault(key, kept)
    for p in positional:
        keyword.pop(p.name, None)
    rest = [p for p in broker_params if p.kind is inspect.Parameter.VAR_KEYWORD]
    return inspect.Signature([*positional, *keyword.values(), *rest], return_annotation=None)

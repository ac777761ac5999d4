"""Every FastAPI internal the package relies on, behind one small interface.

FastAPI's dependency analysis (``fastapi.dependencies``) and the way routers
learn of each other are not public API, and they changed within the range we
support (FastAPI 0.115.0 to the newest release):

- OAuth scopes: up to 0.122 a ``Dependant`` carries one accumulated
  ``security_scopes`` list; from 0.123 it keeps ``own_oauth_scopes`` and
  ``parent_oauth_scopes`` apart.
- ``FastAPI(openapi_external_docs=...)``: from 0.117; before, the app keeps
  keywords it does not know in ``app.extra``.
- ``APIRouter.__init__`` gains keywords over releases; ``API_ROUTER_PARAMETERS``
  is the installed release's set.
- ``include_router``: up to 0.136 it copies the included router's routes,
  building each copy with the including router's
  ``dependency_overrides_provider``; from 0.137 it keeps the included router
  whole (``original_router``) and asks it ``_contains_router(including)``.

The rest of the package reads these only through this module: ``analyse``
turns FastAPI's analysis of a handler into our own ``Analysed`` tree, and
``IncludeAware`` tells a router which app's ``dependency_overrides`` apply to
it. ``tests/core/test_fastapi_compat.py`` fails loudly if one of them changes.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin

from fastapi import APIRouter, params
from fastapi.concurrency import contextmanager_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import (
    get_dependant,
    get_parameterless_sub_dependant,
    get_typed_signature,
)
from fastapi.routing import APIRoute
from pydantic.fields import FieldInfo
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from .errors import SetupError

__all__ = [
    "Analysed",
    "IncludeAware",
    "Param",
    "analyse",
    "analyse_override",
    "app_keyword",
    "contextmanager_in_threadpool",
    "hide_repeated_inclusions",
    "included_router",
    "overrides_provider",
    "typed_signature",
]

_GET_DEPENDANT = frozenset(inspect.signature(get_dependant).parameters)
#: From FastAPI 0.123 a dependant's own OAuth scopes and its parents' are kept apart.
_SPLIT_SCOPES = "own_oauth_scopes" in _GET_DEPENDANT
if not _SPLIT_SCOPES and "security_scopes" not in _GET_DEPENDANT:  # pragma: no cover
    raise ImportError(
        "faststream_fastapi does not know this FastAPI release: get_dependant() takes "
        "neither own_oauth_scopes nor security_scopes"
    )


# -- what a handler's parameters mean -------------------------------------------


@dataclass(frozen=True)
class Param:
    """A parameter filled from the message: body key, header, path part."""

    name: str
    alias: str
    field_info: FieldInfo


@dataclass
class Analysed:
    """One callable of a handler's dependency tree, as FastAPI understood it."""

    call: Any
    #: The parameter of the parent it fills; ``None`` for the handler itself and
    #: for a parameterless dependency (``dependencies=[...]``).
    name: str | None
    body: list[Param]
    query: list[Param]
    headers: list[Param]
    path: list[Param]
    cookies: list[Param]
    websocket_name: str | None
    #: A ``Request`` or ``HTTPConnection`` parameter.
    request_name: str | None
    tasks_name: str | None
    response_name: str | None
    scopes_name: str | None
    #: OAuth scopes: those its parents are given, and its own ``Security(scopes=)``.
    parent_scopes: list[str]
    own_scopes: list[str]
    use_cache: bool
    subs: list[Analysed]

    @property
    def scopes(self) -> list[str]:
        """The OAuth scopes in force: the parents' first, then its own, no repeats."""
        return list(dict.fromkeys((*self.parent_scopes, *self.own_scopes)))


def typed_signature(call: Callable[..., Any]) -> inspect.Signature:
    """``call``'s signature with string annotations resolved, as FastAPI reads it."""
    return get_typed_signature(call)


def analyse(
    call: Callable[..., Any],
    *,
    path: str,
    signature_of: Callable[..., Any],
    dependencies: Sequence[params.Depends] = (),
) -> Analysed:
    """``call``'s dependency tree, read from ``signature_of``'s signature, with
    the parameterless ``dependencies`` run first."""
    dependant = get_dependant(path=path, call=signature_of)
    first = [
        (get_parameterless_sub_dependant(depends=d, path=path), _own_scopes(d))
        for d in dependencies
    ]
    return _view(dependant, call, signature_of, [], [], first)


def analyse_override(sub: Analysed, replacement: Callable[..., Any], *, path: str) -> Analysed:
    """The tree of ``replacement``, standing in for ``sub`` (``dependency_overrides``)."""
    scopes: dict[str, Any]
    if _SPLIT_SCOPES:
        scopes = {"own_oauth_scopes": sub.own_scopes, "parent_oauth_scopes": sub.parent_scopes}
    else:
        scopes = {"security_scopes": [*sub.parent_scopes, *sub.own_scopes]}
    dependant = get_dependant(
        path=path, call=replacement, name=sub.name, use_cache=sub.use_cache, **scopes
    )
    return _view(dependant, replacement, replacement, sub.parent_scopes, sub.own_scopes, [])


def _view(
    d: Dependant,
    call: Any,
    signature_of: Any,
    parent_scopes: list[str],
    own_scopes: list[str],
    first: list[tuple[Dependant, list[str]]],
) -> Analysed:
    if _SPLIT_SCOPES:
        parent_scopes = list(d.parent_oauth_scopes or ())
        own_scopes = list(d.own_oauth_scopes or ())
    given = [*parent_scopes, *own_scopes]
    subs = [_view(sub, sub.call, sub.call, given, own, []) for sub, own in first]
    if d.dependencies:
        # Before 0.123, FastAPI's accumulated scopes lists are shared between a
        # dependant and its children and extended in place: read each one's own
        # ``Security(scopes=...)`` from the signature instead.
        signature = None if _SPLIT_SCOPES else typed_signature(signature_of).parameters
        for sub in d.dependencies:
            param = signature.get(sub.name) if signature and sub.name else None
            own = _own_scopes(_depends_of(param)) if param else []
            subs.append(_view(sub, sub.call, sub.call, given, own, []))
    return Analysed(
        call=call,
        name=d.name,
        body=_params(d.body_params),
        query=_params(d.query_params),
        headers=_params(d.header_params),
        path=_params(d.path_params),
        cookies=_params(d.cookie_params),
        websocket_name=d.websocket_param_name,
        request_name=d.request_param_name or d.http_connection_param_name,
        tasks_name=d.background_tasks_param_name,
        response_name=d.response_param_name,
        scopes_name=d.security_scopes_param_name,
        parent_scopes=parent_scopes,
        own_scopes=own_scopes,
        use_cache=d.use_cache,
        subs=subs,
    )


def _params(fields: Sequence[Any]) -> list[Param]:
    return [Param(f.name, f.alias, f.field_info) for f in fields]


def _depends_of(param: inspect.Parameter | None) -> params.Depends | None:
    """The ``Depends`` a parameter declares: the last in ``Annotated``, else its default."""
    if param is None:
        return None
    found = None
    if get_origin(param.annotation) is Annotated:
        for arg in get_args(param.annotation)[1:]:
            if isinstance(arg, params.Depends):
                found = arg
    if found is None and isinstance(param.default, params.Depends):
        found = param.default
    return found


def _own_scopes(depends: params.Depends | None) -> list[str]:
    if isinstance(depends, params.Security):
        return list(depends.scopes or ())
    return []


# -- which app includes a router -------------------------------------------------


def _router_parameters() -> tuple[inspect.Parameter, ...]:
    named = inspect.signature(APIRouter.__init__).parameters.values()
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return tuple(p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in named if p.kind in kinds)


#: The installed FastAPI's ``APIRouter.__init__`` keywords (``self`` left out), read
#: from its signature: each release adds some (``strict_content_type``, ...).
API_ROUTER_PARAMETERS = tuple(p for p in _router_parameters() if p.name != "self")


def overrides_provider(router: Any) -> Any:
    """Whose ``dependency_overrides`` apply to ``router``'s routes (the app, for its own)."""
    return getattr(router, "dependency_overrides_provider", None)


def app_keyword(source: Any, name: str) -> Any:
    """The ``FastAPI(name=...)`` keyword's value, or ``None``.

    A release that does not know a keyword keeps it in ``app.extra`` (e.g.
    ``openapi_external_docs`` before 0.117).
    """
    value = getattr(source, name, None)
    if value is None:
        extra = getattr(source, "extra", None)
        if isinstance(extra, dict):
            value = extra.get(name)
    return value


def included_router(route: Any) -> Any:
    """The router a route stands for when FastAPI kept an included router whole."""
    return getattr(route, "original_router", None)


def hide_repeated_inclusions(app: Any, router: APIRouter) -> bool:
    """Keep ``router``'s routes once in ``app``'s OpenAPI schema when the app
    includes it more than once at the same prefix (``app.include_router(r)``
    twice): the later copies answer nothing the first does not (the first
    match wins), and FastAPI would warn of duplicate operation ids.

    Up to 0.136 the app holds copies of the routes: a later copy of a route
    of ``router`` at the same path and methods leaves the schema. From 0.137
    it holds one ``_IncludedRouter`` per inclusion: a later one at the same
    prefix does. True when anything was hidden.
    """
    hidden = False
    routes = getattr(getattr(app, "router", None), "routes", ())
    if _include_mode() == _COPIES:
        own = {id(route.endpoint) for route in router.routes if isinstance(route, APIRoute)}
        seen: set[tuple[str, frozenset[str]]] = set()
        for route in routes:
            if not isinstance(route, APIRoute) or id(route.endpoint) not in own:
                continue
            key = (route.path, frozenset(route.methods or ()))
            if key in seen and route.include_in_schema:
                route.include_in_schema, hidden = False, True
            seen.add(key)
        return hidden
    prefixes: set[str] = set()
    for route in routes:
        context = getattr(route, "include_context", None)
        if included_router(route) is not router or context is None:
            continue
        if context.prefix in prefixes and context.include_in_schema:
            context.include_in_schema, hidden = False, True
            # Rebuilt with the flag on their next use.
            route._effective_candidates_version = None
            route._effective_low_priority_routes_version = None
        prefixes.add(context.prefix)
    return hidden


_ASKS, _COPIES = "asks", "copies"


class IncludeAware(APIRouter):
    """An ``APIRouter`` told, by ``included_into(provider)``, of each overrides
    provider (the app) including it, directly or through other routers."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Routes here only to be copied by an including router (FastAPI <= 0.136).
        self.include_probes: list[BaseRoute] = []
        if _include_mode() == _COPIES:
            self.include_probes.append(_probe(self.included_into))
            self.routes.extend(self.include_probes)

    def included_into(self, provider: Any) -> None:
        """Called with the overrides provider of each router including this one."""

    # FastAPI >= 0.137 asks every included router whether it contains the
    # including one, through intermediate routers too: that names our ancestors.
    def _contains_router(self, router: APIRouter, seen: set[int] | None = None) -> bool:
        provider = overrides_provider(router)
        if provider is not None:
            self.included_into(provider)
        return bool(super()._contains_router(router, seen))


_TELL = "__faststream_fastapi_tell__"
_PROBE_PATH = "/__faststream_fastapi_include_probe__"


class _IncludeProbe(APIRoute):
    """A route that never matches. A FastAPI release that copies routes on
    ``include_router`` builds the copy with the including router's overrides
    provider, which the probe passes on to its router."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        provider = kwargs.get("dependency_overrides_provider")
        tell: Callable[[Any], None] | None = getattr(endpoint, _TELL, None)
        if provider is not None and tell is not None:
            tell(provider)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        return Match.NONE, {}


def _probe(tell: Callable[[Any], None]) -> _IncludeProbe:
    async def include_probe() -> None:  # pragma: no cover - the route never matches
        return None

    setattr(include_probe, _TELL, tell)
    return _IncludeProbe(_PROBE_PATH, include_probe, include_in_schema=False)


@functools.cache
def _include_mode() -> str:
    """How this FastAPI's ``include_router`` reaches the included router, tried once."""
    told: list[Any] = []
    provider = object()

    class Asked(APIRouter):
        def _contains_router(self, router: APIRouter, seen: set[int] | None = None) -> bool:
            told.append(overrides_provider(router))
            return False

    APIRouter(dependency_overrides_provider=provider).include_router(Asked())
    if told == [provider]:
        return _ASKS
    copied = APIRouter()
    copied.routes.append(_probe(told.append))
    APIRouter(dependency_overrides_provider=provider).include_router(copied)
    if told == [provider]:
        return _COPIES
    raise SetupError(
        "this FastAPI release includes routers in a way faststream_fastapi does not "
        "know, so app.dependency_overrides could not reach subscribers"
    )

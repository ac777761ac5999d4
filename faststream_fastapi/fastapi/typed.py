"""A ``StreamRouter``'s keywords as ``TypedDict``s, for type checkers.

Each broker's router class (``<broker>/fastapi.py``) declares, under
``TYPE_CHECKING`` only, an ``__init__`` taking its address and
``**kwargs: Unpack[...]`` of a ``TypedDict`` (declared beside it) joining
:class:`RouterKeywords` and its broker's client keywords (``<broker>/keywords.py``);
at run time the constructor stays
:meth:`StreamRouter.__init__ <.router.StreamRouter.__init__>`, whose computed
``__signature__`` (:func:`.keywords.router_signature`) shows the same names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, TypedDict

from fastapi import params
from fastapi.routing import APIRoute
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..core.backoff import Backoff
from ..security.keywords import CommonKeywords
from .router import Hook, Lifespan


class RouterKeywords(CommonKeywords, total=False):
    """The router's own keywords, ``APIRouter``'s and FastStream 0.5's about the broker."""

    schema_url: str | None
    include_in_schema: bool
    setup_state: bool
    prefix: str
    tags: list[str | Enum] | None
    dependencies: Sequence[params.Depends] | None
    lifespan: Lifespan | None
    on_startup: Sequence[Hook] | None
    on_shutdown: Sequence[Hook] | None
    asyncapi_version: str
    asyncapi_cdn: bool | str | None
    docs_dependencies: Sequence[params.Depends]
    start_retry: Backoff | None
    # ``APIRouter``'s (the newest FastAPI's; an older one refuses what it lacks)
    default_response_class: type[Response]
    responses: dict[int | str, dict[str, Any]] | None
    callbacks: list[BaseRoute] | None
    routes: list[BaseRoute] | None
    redirect_slashes: bool
    default: Callable[..., Any] | None
    dependency_overrides_provider: Any
    route_class: type[APIRoute]
    deprecated: bool | None
    generate_unique_id_function: Callable[[APIRoute], str]
    strict_content_type: bool
    max_body_size: int | None
    form_limits: Any
    # FastStream 0.5's, about the broker's AsyncAPI description
    asyncapi_tags: Sequence[Any] | None
    asyncapi_url: str | Sequence[str] | None
    protocol_version: str | None


class ProtocolKeyword(TypedDict, total=False):
    """FastStream 0.5's ``protocol=`` (the AsyncAPI protocol), where the client has none."""

    protocol: str | None

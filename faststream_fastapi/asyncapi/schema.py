"""``get_app_schema``: the AsyncAPI document of an app, a router or a broker.

What is read (by duck typing: no broker package is named here):

- brokers: ``target`` itself when it has ``subscribers`` and ``publishers``,
  else its ``broker`` (a ``StreamRouter``, a ``FastStream`` app, an
  ``AsgiFastStream``) or ``brokers``; for a FastAPI app, the StreamRouters
  whose docs routes it serves;
- servers: the brokers' ``asyncapi_url`` / ``url`` / ``servers`` /
  ``bootstrap_servers``, never their credentials, with the protocol of the
  broker's ``descriptor`` (or its ``protocol`` / ``protocol_version``), its
  ``description`` and ``tags``;
- a channel and an operation per channel of each subscriber's (``receive``)
  and publisher's (``send``) spec, unless ``include_in_schema`` is false, with
  the bindings the spec gives (``asyncapi_channels``; for 2.6.0
  ``asyncapi_legacy_channels`` where a spec has FastStream 0.5's form); a
  message per channel whose payload is the JSON Schema of the handler's body
  parameters and whose headers come from its ``Header()`` parameters,
  sub-dependencies included; handler docstrings as descriptions;
- info: ``title``, ``version``, ``description``, ``terms_of_service``,
  ``contact``, ``license`` (or FastAPI's ``license_info``), ``asyncapi_tags`` /
  ``tags`` / ``openapi_tags``, ``external_docs`` / ``openapi_external_docs``
  and ``identifier``, from ``app=`` or else ``target``.

The 2.6.0 document names channels, messages and payloads as FastStream 0.5
did (``test:HandleUserCreated``, see ``v2``); the 3.0.0 one keeps its own
(``test_handle_user_created``).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from ..core.fastapi_compat import included_router
from . import v2, v3
from .channels import (
    declaration_entries,
    legacy_subscribers,
    publisher_entries,
    subscriber_entries,
)
from .entries import Collected, Entry, Message
from .info import external_docs_of, identifier_of, info_of, tags_of
from .objects import AsyncAPISchema, Contact, ExternalDocs, License, Tag
from .payloads import SchemaSet
from .servers import Server, servers_of, vhost_of

#: Set on the endpoints of a StreamRouter's docs routes, naming the router,
#: so the router can be found from the FastAPI app that includes it.
ROUTER_MARK = "__faststream_fastapi_router__"

__all__ = ["AsyncAPISchema", "Contact", "ExternalDocs", "License", "Tag", "get_app_schema"]


def get_app_schema(target: Any, version: str = "2.6.0", *, app: Any = None) -> AsyncAPISchema:
    """The AsyncAPI document (``"2.6.0"``, as FastStream 0.5 wrote, or ``"3.0.0"``) of ``target``.

    ``target`` is a broker, a broker-level router, a ``StreamRouter``, a
    ``FastStream`` / ``AsgiFastStream`` app or a FastAPI app including
    StreamRouters. ``app`` supplies the info block (title, version, ...) when it
    is not ``target`` itself.
    """
    if version.startswith("3"):
        collected = collect(target, app=app)
        return AsyncAPISchema(_plain(v3.document(collected)))
    if version.startswith("2"):
        collected = collect(target, app=app, legacy=True)
        return AsyncAPISchema(_plain(v2.document(collected)))
    raise ValueError(f"unsupported AsyncAPI version {version!r}: use '3.0.0' or '2.6.0'")


# -- what to describe -------------------------------------------------------------


def _is_registry(obj: Any) -> bool:
    return isinstance(getattr(obj, "subscribers", None), list) and isinstance(
        getattr(obj, "publishers", None), list
    )


def brokers_of(target: Any) -> list[Any]:
    """The brokers (or broker-level routers) ``target`` holds."""
    if _is_registry(target):
        return [target]
    broker = getattr(target, "broker", None)
    if _is_registry(broker):
        return [broker]
    brokers = getattr(target, "brokers", None)
    if isinstance(brokers, list | tuple):
        return [b for b in brokers if _is_registry(b)]
    found: list[Any] = []
    for router in _stream_routers(target):
        broker = router.broker
        # A broker included into another is described by the outer one.
        if getattr(broker, "parent", None) is None and broker not in found:
            found.append(broker)
    return found


def _stream_routers(app: Any) -> list[Any]:
    """StreamRouters reachable from a FastAPI app's routes.

    FastAPI releases that copy included routes leave our docs endpoints, which
    name their router; newer ones keep included routers whole
    (``original_router``). Both are looked for.
    """
    found: list[Any] = []
    seen: set[int] = set()

    def walk(routes: Any) -> None:
        if not isinstance(routes, list):
            return
        for route in routes:
            router = getattr(getattr(route, "endpoint", None), ROUTER_MARK, None)
            if router is None and _is_registry(getattr(route, "broker", None)):
                router = route
            if router is not None and router not in found:
                found.append(router)
            inner = included_router(route)
            if inner is not None and id(inner) not in seen:
                seen.add(id(inner))
                if _is_registry(getattr(inner, "broker", None)) and inner not in found:
                    found.append(inner)
                walk(getattr(inner, "routes", None))

    walk(getattr(app, "routes", None))
    return found


def collect(target: Any, *, app: Any = None, legacy: bool = False) -> Collected:
    """Everything a document shows, before a version writes it out.

    ``legacy``: for the 2.6.0 document, FastStream 0.5's names are kept as
    written (component keys with ``:``), a handler without a body gets the
    ``EmptyPayload`` schema and a broker's several URLs are ``Server1``, ...
    """
    if app is None:
        # A StreamRouter knows the FastAPI app including it, once included.
        find_app = getattr(getattr(target, "binding", None), "find_app", None)
        app = find_app() if callable(find_app) else None
    source = app if app is not None else target
    schemas = SchemaSet()
    pending: list[tuple[Message, list[str | None], str | None]] = []
    entries: list[Entry] = []
    servers: dict[str, Server] = {}
    keys: set[str] = set()
    brokers = brokers_of(target)
    for broker in brokers:
        names = _server_names(servers, servers_of(broker), legacy and len(brokers) == 1)
        on = tuple(names) if len(brokers) > 1 or legacy else ()
        vhost = vhost_of(broker, legacy=legacy)
        described = legacy_subscribers(broker) if legacy else [(s, []) for s in broker.subscribers]
        for sub, joined in described:
            if getattr(sub, "include_in_schema", True) is False:
                continue
            found = (
                subscriber_entries(sub, schemas, keys, vhost, legacy, joined)
                if hasattr(sub, "plan")
                else declaration_entries(sub, schemas, keys, vhost)
            )
            for entry, bodies, headers in found:
                entry.servers = on
                entries.append(entry)
                pending.append((entry.message, bodies, headers))
        for pub in broker.publishers:
            if getattr(pub, "include_in_schema", True) is False:
                continue
            for entry, bodies in publisher_entries(pub, schemas, keys, vhost, legacy):
                entry.servers = on
                entries.append(entry)
                pending.append((entry.message, bodies, None))
    rendered, components = schemas.render(safe_keys=not legacy)
    for message, bodies, headers in pending:
        payloads = [_payload(rendered, body, legacy and message.receive) for body in bodies]
        message.payload = payloads[0] if len(payloads) == 1 else {"oneOf": payloads}
        if headers is not None:
            message.headers = rendered[headers]
    return Collected(
        info=info_of(source),
        servers=servers,
        entries=entries,
        schemas=components,
        tags=tags_of(source),
        external_docs=external_docs_of(source),
        identifier=identifier_of(source, uri=not legacy),
    )


def _payload(rendered: dict[str, Any], body: str | None, empty: bool) -> dict[str, Any]:
    """A rendered payload; ``empty``: FastStream 0.5's schema of a handler without a body."""
    if body is not None:
        return rendered[body]  # type: ignore[no-any-return]
    return {"title": "EmptyPayload", "type": "null"} if empty else {}


def _server_names(servers: dict[str, Server], found: list[Server], numbered: bool) -> list[str]:
    """Adds ``found`` to ``servers``; FastStream 0.5 numbers a broker's several URLs."""
    names = []
    for i, server in enumerate(found, 1):
        if numbered and len(found) > 1:
            name = f"Server{i}"
        else:
            name = "development" if not servers else f"development-{len(servers)}"
        servers[name] = server
        names.append(name)
    return names


def _plain(value: Any) -> Any:
    """Only JSON types: enums become their values, tuples lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return _plain(value.value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)

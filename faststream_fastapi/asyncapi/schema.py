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

import re
from collections.abc import Iterable
from enum import Enum
from typing import Any

from ..core.fastapi_compat import included_router
from ..core.spec import Bindings
from . import v2, v3
from .entries import Collected, Entry, Message
from .info import external_docs_of, identifier_of, info_of, tags_of
from .objects import AsyncAPISchema, Contact, ExternalDocs, License, Tag
from .payloads import SchemaSet, pascal, return_annotation, safe_key
from .servers import Server, servers_of, vhost_of

_PARAM = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)}")

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
        vhost = vhost_of(broker)
        for sub in broker.subscribers:
            if getattr(sub, "include_in_schema", True) is False:
                continue
            if legacy and getattr(sub, "lead", None) is not None:
                continue  # FastStream 0.5 described a filter group's handlers on its lead
            for entry, bodies, headers in _subscriber_entries(sub, schemas, keys, vhost, legacy):
                entry.servers = on
                entries.append(entry)
                pending.append((entry.message, bodies, headers))
        for pub in broker.publishers:
            if getattr(pub, "include_in_schema", True) is False:
                continue
            for entry, bodies in _publisher_entries(pub, schemas, keys, vhost, legacy):
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


def _unique(base: str, keys: set[str]) -> str:
    key = safe_key(base)
    candidate, n = key, 1
    while candidate in keys:
        n += 1
        candidate = f"{key}_{n}"
    keys.add(candidate)
    return candidate


def camel(name: str) -> str:
    """A handler's name as FastStream 0.5 writes it: ``handle_user`` is ``HandleUser``."""
    return name.replace("_", " ").title().replace(" ", "")


def _prefix(spec: Any, address: str) -> str:
    """What a channel's name starts with: the address, or what the spec says (AMQP)."""
    prefix = getattr(spec, "asyncapi_prefix", None)
    return prefix if isinstance(prefix, str) else address


def _channels(spec: Any, vhost: str | None, legacy: bool, *, receive: bool) -> Any:
    """A spec's channels; for ``legacy`` (2.6.0) its FastStream 0.5 form, where it has one."""
    described = getattr(spec, "asyncapi_legacy_channels", None) if legacy else None
    if described is None:
        described = spec.asyncapi_channels
    return described(receive=receive, vhost=vhost)


def _content_type(fields: list[Any], whole: bool) -> str | None:
    if not whole or not fields:
        return None
    annotation = fields[0].field_info.annotation
    if annotation is bytes:
        return "application/octet-stream"
    if annotation is str:
        return "text/plain"
    return None


def _entry(
    key: str,
    title: str,
    address: str,
    bindings: Bindings,
    description: str | None,
    content_type: str | None,
    *,
    receive: bool,
) -> Entry:
    """A channel, its operation and its message (whose payload is filled in later)."""
    message = Message(
        key=f"{key}.Message",
        title=f"{title}:Message",
        payload={},
        content_type=content_type,
        bindings=bindings.message,
        receive=receive,
    )
    return Entry(
        key=key,
        title=title,
        address=address,
        receive=receive,
        message=message,
        description=description,
        parameters=tuple(_PARAM.findall(address)),
        bindings=bindings,
    )


def _func_name(sub: Any) -> str | None:
    name = getattr(getattr(getattr(sub, "handler", None), "func", None), "__name__", None)
    return name if isinstance(name, str) and name else None


def _call_name(sub: Any) -> str:
    """A handler's name in FastStream 0.5's documents (``Subscriber`` without one)."""
    name = _func_name(sub)
    return camel(name) if name else "Subscriber"


def _subscriber_entries(
    sub: Any, schemas: SchemaSet, keys: set[str], vhost: str | None, legacy: bool
) -> Iterable[tuple[Entry, list[str | None], str | None]]:
    """A subscriber's channels, each with the payloads of its handlers and its headers.

    ``legacy`` (2.6.0): FastStream 0.5's names (``test:HandleUserCreated``,
    ``HandleUserCreated:Message:Payload``) and one payload per handler of a
    filter group; else channels named after the handler's own name.
    """
    plan = sub.plan
    whole = plan.body.whole is not None
    channels = _channels(sub.spec, vhost, legacy, receive=True)
    call = _call_name(sub) if legacy else (_func_name(sub) or plan.name)
    bodies: list[str | None] = []
    headers = None
    if legacy:
        group = [sub, *getattr(sub, "members", ())]
        for s in group:
            name = (sub.title if len(group) == 1 else None) or _call_name(s)
            body = s.plan.body
            bodies.append(
                schemas.body(
                    s.plan.body_fields, whole=body.whole is not None, name=f"{name}:Message:Payload"
                )
            )
        headers = schemas.headers(plan.header_fields, name=f"{sub.title or call}:Message:Headers")
    for address, bindings in channels:
        title = sub.title or f"{_prefix(sub.spec, address) if legacy else address}:{call}"
        if sub.title and len(channels) > 1:
            title = f"{sub.title}:{address}"
        key = _unique(title, keys)
        if not bodies:
            # One schema per handler, named after its first channel.
            fields = plan.body_fields
            one = fields[0].name if whole and fields else None
            bodies.append(schemas.body(fields, whole=whole, name=f"{pascal(key)}Payload", one=one))
            headers = schemas.headers(plan.header_fields, name=f"{pascal(key)}Headers")
        content_type = _content_type(plan.body_fields, whole)
        entry = _entry(key, title, address, bindings, sub.description, content_type, receive=True)
        yield entry, bodies, headers


def _publisher_entries(
    pub: Any, schemas: SchemaSet, keys: set[str], vhost: str | None, legacy: bool
) -> Iterable[tuple[Entry, list[str | None]]]:
    """A publisher's channels, each with its payload: ``schema=``, else what its handlers
    return (``legacy``: one payload per handler, as FastStream 0.5 wrote them)."""
    funcs = [h.func for h in getattr(pub, "handlers", []) if hasattr(h, "func")]
    for address, bindings in _channels(pub.spec, vhost, legacy, receive=False):
        title = pub.title or f"{_prefix(pub.spec, address) if legacy else address}:Publisher"
        key = _unique(title, keys)
        payload = f"{title}:Message:Payload" if legacy else f"{key}:Payload"
        bodies: list[str | None]
        if isinstance(pub.schema, dict):
            bodies = [schemas.literal(pub.schema)]
        elif pub.schema is not None:
            bodies = [schemas.annotation(pub.schema, title=payload)]
        else:
            returned = [(f, return_annotation([f])) for f in funcs]
            typed = [(f, r) for f, r in returned if r is not None]
            if legacy and len(typed) > 1:
                bodies = [
                    schemas.annotation(r, title=f"{camel(f.__name__)}:Publisher:Message:Payload")
                    for f, r in typed
                ]
            else:
                union = return_annotation(funcs)
                bodies = [None if union is None else schemas.annotation(union, title=payload)]
        entry = _entry(key, title, address, bindings, pub.description, None, receive=False)
        yield entry, bodies


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

"""``get_app_schema``: the AsyncAPI document of an app, a router or a broker.

What is read (by duck typing: no broker package is named here):

- brokers: ``target`` itself when it has ``subscribers`` and ``publishers``,
  else its ``broker`` (a ``StreamRouter``, a ``FastStream`` app, an
  ``AsgiFastStream``) or ``brokers``; for a FastAPI app, the StreamRouters
  whose docs routes it serves;
- servers: the brokers' ``url`` / ``servers`` / ``bootstrap_servers``, never
  their credentials, with the protocol of the broker's ``descriptor``;
- a channel and an operation per channel of each subscriber's (``receive``)
  and publisher's (``send``) spec, with the bindings the spec gives
  (``asyncapi_channels``); a message per channel whose payload is the JSON Schema of the
  handler's body parameters and whose headers come from its ``Header()``
  parameters, sub-dependencies included; handler docstrings as descriptions;
- info: ``title``, ``version``, ``description``, ``terms_of_service``,
  ``contact``, ``license`` (or FastAPI's ``license_info``), ``asyncapi_tags`` /
  ``tags`` / ``openapi_tags``, ``external_docs`` / ``openapi_external_docs``
  and ``identifier``, from ``app=`` or else ``target``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum
from typing import Any

from ..core.fastapi_compat import app_keyword, included_router
from ..core.spec import Bindings
from . import v2, v3
from .entries import Collected, Entry, Message
from .payloads import SchemaSet, return_annotation, safe_key
from .servers import Server, servers_of, vhost_of

_PARAM = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)}")

#: Set on the endpoints of a StreamRouter's docs routes, naming the router,
#: so the router can be found from the FastAPI app that includes it.
ROUTER_MARK = "__faststream_fastapi_router__"


def get_app_schema(target: Any, version: str = "3.0.0", *, app: Any = None) -> dict[str, Any]:
    """The AsyncAPI document (``"3.0.0"`` or ``"2.6.0"``) of ``target``, as a dict.

    ``target`` is a broker, a broker-level router, a ``StreamRouter``, a
    ``FastStream`` / ``AsgiFastStream`` app or a FastAPI app including
    StreamRouters. ``app`` supplies the info block (title, version, ...) when it
    is not ``target`` itself.
    """
    collected = collect(target, app=app)
    if version.startswith("3"):
        return _plain(v3.document(collected))  # type: ignore[no-any-return]
    if version.startswith("2"):
        return _plain(v2.document(collected))  # type: ignore[no-any-return]
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


def collect(target: Any, *, app: Any = None) -> Collected:
    """Everything a document shows, before a version writes it out."""
    if app is None:
        # A StreamRouter knows the FastAPI app including it, once included.
        find_app = getattr(getattr(target, "binding", None), "find_app", None)
        app = find_app() if callable(find_app) else None
    source = app if app is not None else target
    schemas = SchemaSet()
    pending: list[tuple[Message, str | None, str | None]] = []
    entries: list[Entry] = []
    servers: dict[str, Server] = {}
    keys: set[str] = set()
    brokers = brokers_of(target)
    for broker in brokers:
        names = []
        for server in servers_of(broker):
            name = "development" if not servers else f"development-{len(servers)}"
            servers[name] = server
            names.append(name)
        on = tuple(names) if len(brokers) > 1 else ()
        vhost = vhost_of(broker)
        for sub in broker.subscribers:
            if not sub.include_in_schema:
                continue
            for entry, body, headers in _subscriber_entries(sub, schemas, keys, vhost):
                entry.servers = on
                entries.append(entry)
                pending.append((entry.message, body, headers))
        for pub in broker.publishers:
            if not pub.include_in_schema:
                continue
            for entry, body in _publisher_entries(pub, schemas, keys, vhost):
                entry.servers = on
                entries.append(entry)
                pending.append((entry.message, body, None))
    rendered, components = schemas.render()
    for message, body, headers in pending:
        message.payload = rendered[body] if body is not None else {}
        if headers is not None:
            message.headers = rendered[headers]
    return Collected(
        info=_info(source),
        servers=servers,
        entries=entries,
        schemas=components,
        tags=_tags(source),
        external_docs=_external_docs(source),
        identifier=_identifier(source),
    )


def _unique(base: str, keys: set[str]) -> str:
    key = safe_key(base)
    candidate, n = key, 1
    while candidate in keys:
        n += 1
        candidate = f"{key}_{n}"
    keys.add(candidate)
    return candidate


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


def _subscriber_entries(
    sub: Any, schemas: SchemaSet, keys: set[str], vhost: str | None
) -> Iterable[tuple[Entry, str | None, str | None]]:
    plan = sub.plan
    handler = getattr(sub, "handler", None)
    func = getattr(handler, "func", None)
    fname = str(getattr(func, "__name__", None) or plan.name)
    whole = plan.body.whole is not None
    channels = sub.spec.asyncapi_channels(receive=True, vhost=vhost)
    body = headers = None
    for address, bindings in channels:
        title = sub.title or f"{address}:{fname}"
        if sub.title and len(channels) > 1:
            title = f"{sub.title}:{address}"
        key = _unique(title, keys)
        if body is None and headers is None:
            # One schema per handler, named after its first channel.
            body = schemas.body(plan.body_fields, whole=whole, name=key)
            headers = schemas.headers(plan.header_fields, name=key)
        content_type = _content_type(plan.body_fields, whole)
        entry = _entry(key, title, address, bindings, sub.description, content_type, receive=True)
        yield entry, body, headers


def _publisher_entries(
    pub: Any, schemas: SchemaSet, keys: set[str], vhost: str | None
) -> Iterable[tuple[Entry, str | None]]:
    for address, bindings in pub.spec.asyncapi_channels(receive=False, vhost=vhost):
        title = pub.title or f"{address}:Publisher"
        key = _unique(title, keys)
        body: str | None
        if isinstance(pub.schema, dict):
            body = schemas.literal(pub.schema)
        elif pub.schema is not None:
            body = schemas.annotation(pub.schema, title=f"{key}:Payload")
        else:
            funcs = [h.func for h in getattr(pub, "handlers", []) if hasattr(h, "func")]
            returned = return_annotation(funcs)
            body = (
                None if returned is None else schemas.annotation(returned, title=f"{key}:Payload")
            )
        yield _entry(key, title, address, bindings, pub.description, None, receive=False), body


# -- info ------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text or None


def _pick(value: Any, keys: dict[str, tuple[str, ...]]) -> dict[str, Any] | None:
    """``value`` (a dict, a pydantic model or any object) as a dict of ``keys``.

    ``keys`` maps each output key to the names it may go by in the input.
    """
    if value is None:
        return None
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        value = dump(mode="json", exclude_none=True, by_alias=True)
    out: dict[str, Any] = {}
    for key, names in keys.items():
        for name in names:
            item = value.get(name) if isinstance(value, dict) else getattr(value, name, None)
            if item is not None and item != "":
                out[key] = item
                break
    return out or None


def _external(value: Any) -> dict[str, Any] | None:
    docs = _pick(value, {"url": ("url",), "description": ("description",)})
    if docs is None or "url" not in docs:
        return None
    docs["url"] = str(docs["url"])
    return docs


def _info(source: Any) -> dict[str, Any]:
    info: dict[str, Any] = {
        "title": _text(getattr(source, "title", None)) or "AsyncAPI",
        "version": _text(getattr(source, "version", None)) or "0.1.0",
    }
    description = _text(getattr(source, "description", None))
    if description:
        info["description"] = description
    terms = _text(getattr(source, "terms_of_service", None))
    if terms:
        info["termsOfService"] = terms
    contact = _pick(
        getattr(source, "contact", None),
        {"name": ("name",), "url": ("url",), "email": ("email",)},
    )
    if contact:
        info["contact"] = {k: str(v) for k, v in contact.items()}
    license_ = getattr(source, "license", None) or getattr(source, "license_info", None)
    picked = _pick(license_, {"name": ("name",), "url": ("url",)})
    if picked and "name" in picked:
        info["license"] = {k: str(v) for k, v in picked.items()}
    return info


def _tags(source: Any) -> list[dict[str, Any]]:
    for attr in ("asyncapi_tags", "tags", "openapi_tags"):
        value = getattr(source, attr, None)
        if isinstance(value, list | tuple) and value:
            break
    else:
        return []
    tags = []
    for tag in value:
        if isinstance(tag, str):
            tags.append({"name": tag})
            continue
        picked = _pick(tag, {"name": ("name",), "description": ("description",)})
        if not picked or "name" not in picked:
            continue
        out = {k: str(v) for k, v in picked.items()}
        raw_docs = (
            tag.get("externalDocs") or tag.get("external_docs")
            if isinstance(tag, dict)
            else getattr(tag, "external_docs", None) or getattr(tag, "externalDocs", None)
        )
        docs = _external(raw_docs)
        tag_out: dict[str, Any] = dict(out)
        if docs:
            tag_out["externalDocs"] = docs
        tags.append(tag_out)
    return tags


def _external_docs(source: Any) -> dict[str, Any] | None:
    for value in (
        getattr(source, "external_docs", None),
        app_keyword(source, "openapi_external_docs"),
    ):
        docs = _external(value)
        if docs:
            return docs
    return None


def _identifier(source: Any) -> str | None:
    identifier = getattr(source, "identifier", None)
    return identifier if isinstance(identifier, str) and ":" in identifier else None


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

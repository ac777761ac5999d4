"""The channels of subscribers and publishers, each with its message, before a
document version writes them (``schema.collect`` calls these).

2.6.0 (``legacy``) names follow FastStream 0.5 (``test:HandleUserCreated``,
``HandleUserCreated:Message:Payload``); the 3.0.0 document names channels after
the address and the handler's own name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from ..core.spec import Bindings
from .entries import Entry, Message
from .payloads import SchemaSet, pascal, return_annotation, safe_key

_PARAM = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)}")


def legacy_subscribers(broker: Any) -> list[tuple[Any, list[Any]]]:
    """The subscribers as FastStream 0.5 described them, each with those it joins.

    0.5 had one subscriber per subscription: the handlers of an equal spec
    (declared apart, without ``filter=``) are one channel there, and so is a
    filter group (described on its lead). A declaration left without a
    handler (``broker.subscriber("x")``) is a channel too, in declaration order.
    """
    out: list[tuple[Any, list[Any]]] = []
    for sub in broker.subscribers:
        if getattr(sub, "include_in_schema", True) is False or sub.lead is not None:
            continue
        for first, joined in out:
            if type(first) is type(sub) and first.spec == sub.spec:
                joined.append(sub)
                break
        else:
            out.append((sub, []))
    pulls = getattr(broker, "pulls", None)
    for declared in getattr(pulls, "declared", ()):
        if declared.handled or not declared.config.include_in_schema:
            continue
        i = len(out)
        while i > 0 and getattr(out[i - 1][0], "order", -1) > declared.order:
            i -= 1
        out.insert(i, (declared, []))
    return out


def declaration_entries(
    declared: Any, schemas: SchemaSet, keys: set[str], vhost: str | None
) -> Iterable[tuple[Entry, list[str | None], str | None]]:
    """The channels of a subscriber declared without a handler (2.6.0, as 0.5 wrote them:
    ``test:Subscriber``, a payload schema with a title only)."""
    config = declared.config
    spec = declared.spec
    channels = _channels(spec, vhost, True, receive=True)
    name = config.title or "Subscriber"
    body = schemas.literal({"title": f"{name}:Message:Payload"})
    for address, bindings in channels:
        title = config.title or f"{_prefix(spec, address)}:Subscriber"
        if config.title and len(channels) > 1:
            title = f"{config.title}:{address}"
        key = _unique(title, keys)
        entry = _entry(key, title, address, bindings, config.description, None, receive=True)
        yield entry, [body], None


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


def subscriber_entries(
    sub: Any,
    schemas: SchemaSet,
    keys: set[str],
    vhost: str | None,
    legacy: bool,
    joined: Sequence[Any] = (),
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
        group = [sub, *sub.members]
        for other in joined:
            group += [other, *other.members]
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


def publisher_entries(
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

"""The AsyncAPI 2.6.0 form, written as FastStream 0.5 wrote it.

So that a service moved from FastStream 0.5 publishes the document it did:

- channels are keyed by their names (``orders:HandleOrder``,
  ``shipments:Publisher``); a subscriber's channel has a ``subscribe``
  operation and a publisher's a ``publish`` one, as FastStream 0.5 wrote them
  (the AsyncAPI 2 specification means the opposite: see docs/asyncapi.md);
- each operation refers to a message in ``components.messages`` keyed
  ``<channel>:Message``, whose payload refers to ``components.schemas``: a
  model by its name, any other payload by its title
  (``HandleOrder:Message:Payload``), a publisher with no known payload by
  ``<channel>Payload``;
- the servers list every URL with the broker's protocol, version,
  description, tags and security requirement.

Channel keys are percent-encoded where RFC 6570 forbids a character
(``{name}`` parts kept as parameters), which FastStream 0.5's names never
need. Keys with ``:`` are not valid component keys for the 2.6.0 JSON Schema; the
3.0.0 document (``version="3.0.0"``) is the spec-valid one.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from .entries import Collected, Entry, given, head
from .servers import Server

VERSION = "2.6.0"

_PARAM = re.compile(r"({[A-Za-z_][A-Za-z0-9_]*})")
#: Characters a URI Template literal may not contain (RFC 6570, section 2.1).
_NOT_LITERAL = re.compile(r"""[\x00-\x20\x7f"'%<>\\^`{|}]""")
_CORRELATION = {"location": "$message.header#/correlation_id"}


def template_key(text: str) -> str:
    """``text`` as a URI Template: ``{name}`` parts kept, other unsafe characters encoded."""
    parts = _PARAM.split(text)
    return "".join(
        part if i % 2 else _NOT_LITERAL.sub(lambda m: quote(m.group(0), safe=""), part)
        for i, part in enumerate(parts)
    )


def _server(server: Server) -> dict[str, Any]:
    # FastStream 0.5 always named a version: Kafka's client picks it ("auto").
    version = server.protocol_version
    if version is None:
        version = "auto" if server.protocol.startswith("kafka") else "custom"
    out = given(
        {"url": server.url, "protocol": server.protocol},
        protocolVersion=version,
        description=server.description,
        tags=server.tags,
    )
    if server.legacy_security is not None:
        out["security"] = [{name: []} for name in server.legacy_security]
    return out


def _store(schema: dict[str, Any], fallback: str, schemas: dict[str, Any]) -> dict[str, Any]:
    """A reference to ``schema``, added to ``schemas`` under its title (or ``fallback``)."""
    if set(schema) == {"$ref"}:
        return schema
    title = str(schema.get("title") or fallback).replace("/", ".")
    schemas.setdefault(title, schema)
    return {"$ref": f"#/components/schemas/{title}"}


def _payload_ref(entry: Entry, schemas: dict[str, Any]) -> dict[str, Any]:
    """The message's payload as a reference into ``schemas`` (added there).

    A union stays in the message, each of its members referred to.
    """
    payload = _legacy(entry.message.payload)
    one_of = payload.get("oneOf")
    if not isinstance(one_of, list):
        return _store(payload, f"{entry.title}Payload", schemas)
    fallback = f"{entry.title}Payload"
    return {**payload, "oneOf": [_store(p, fallback, schemas) for p in one_of]}


def _legacy(schema: Any) -> Any:
    """``schema`` with each ``discriminator`` reduced to its property name, as 0.5 wrote it."""
    if isinstance(schema, list):
        return [_legacy(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _legacy(v) for k, v in schema.items()}
    discriminator = out.get("discriminator")
    if isinstance(discriminator, dict) and "propertyName" in discriminator:
        out["discriminator"] = discriminator["propertyName"]
    return out


def _message(entry: Entry, key: str, payload: dict[str, Any]) -> dict[str, Any]:
    message = entry.message
    out = given(
        {"title": key, "correlationId": dict(_CORRELATION)}, description=message.description
    )
    out["payload"] = payload
    return given(out, headers=message.headers, bindings=message.bindings)


def _channel(entry: Entry, key: str, servers: list[str], message_key: str) -> dict[str, Any]:
    out = given(
        {},
        description=entry.description,
        servers=list(entry.servers) or servers,
        parameters={
            name: {
                "description": f"The `{name}` part of the address.",
                "schema": {"type": "string"},
            }
            for name in dict.fromkeys(p[1:-1] for p in _PARAM.findall(key))
        },
        bindings=entry.bindings.channel,
    )
    operation = given({}, bindings=entry.bindings.operation)
    operation["message"] = {"$ref": f"#/components/messages/{message_key}"}
    out["subscribe" if entry.receive else "publish"] = operation
    return out


def document(c: Collected) -> dict[str, Any]:
    info = dict(c.info)
    info.setdefault("description", "")
    doc = head(c, VERSION, info, _server)
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = _legacy(c.schemas)
    servers = list(c.servers)
    for entry in c.entries:
        key = base = template_key(entry.title)
        n = 1
        while key in channels:
            n += 1
            key = f"{base}:{n}"
        message_key = f"{key}:Message".replace("/", ".")
        messages[message_key] = _message(entry, message_key, _payload_ref(entry, schemas))
        channels[key] = _channel(entry, key, servers, message_key)
    doc["channels"] = channels
    schemes = {
        name: scheme
        for server in c.servers.values()
        for name, scheme in (server.legacy_security or {}).items()
    }
    doc["components"] = {"messages": messages, "schemas": schemas}
    if any(server.legacy_security is not None for server in c.servers.values()):
        doc["components"]["securitySchemes"] = schemes
    return given(doc, tags=c.tags, externalDocs=c.external_docs)

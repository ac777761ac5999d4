"""The AsyncAPI 3.0.0 form: channels, operations (``receive`` / ``send``), components."""

from __future__ import annotations

from typing import Any

from .entries import Collected, Entry, components, given, head
from .servers import Server

VERSION = "3.0.0"


def _server(server: Server) -> dict[str, Any]:
    out = given({"host": server.host, "protocol": server.protocol}, pathname=server.pathname)
    return given(
        out,
        protocolVersion=server.protocol_version,
        description=server.description,
        security=[{"$ref": f"#/components/securitySchemes/{n}"} for n in server.security],
    )


def _channel(entry: Entry) -> dict[str, Any]:
    key = entry.message.key
    out: dict[str, Any] = {
        "address": entry.address,
        "title": entry.title,
        "messages": {key: {"$ref": f"#/components/messages/{key}"}},
    }
    return given(
        out,
        description=entry.description,
        parameters={
            name: {"description": f"The `{name}` part of the address."} for name in entry.parameters
        },
        servers=[{"$ref": f"#/servers/{name}"} for name in entry.servers],
        bindings=entry.bindings.channel,
    )


def _operation(entry: Entry) -> dict[str, Any]:
    out: dict[str, Any] = {
        "action": "receive" if entry.receive else "send",
        "channel": {"$ref": f"#/channels/{entry.key}"},
        "title": entry.title,
        "messages": [{"$ref": f"#/channels/{entry.key}/messages/{entry.message.key}"}],
    }
    return given(out, description=entry.description, bindings=entry.bindings.operation)


def document(c: Collected) -> dict[str, Any]:
    info = given(dict(c.info), tags=c.tags, externalDocs=c.external_docs)
    doc = head(c, VERSION, info, _server)
    doc["channels"] = {e.key: _channel(e) for e in c.entries}
    doc["operations"] = {e.key: _operation(e) for e in c.entries}
    doc["components"] = components(c)
    return doc

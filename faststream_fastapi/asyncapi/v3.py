"""The AsyncAPI 3.0.0 form: channels, operations (``receive`` / ``send``), components."""

from __future__ import annotations

from typing import Any

from .entries import Collected, Entry, Message, security_schemes
from .servers import Server

VERSION = "3.0.0"


def _server(server: Server) -> dict[str, Any]:
    out: dict[str, Any] = {"host": server.host, "protocol": server.protocol}
    if server.pathname:
        out["pathname"] = server.pathname
    if server.protocol_version:
        out["protocolVersion"] = server.protocol_version
    if server.description:
        out["description"] = server.description
    if server.security:
        out["security"] = [{"$ref": f"#/components/securitySchemes/{n}"} for n in server.security]
    return out


def _message(message: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"name": message.key, "title": message.title}
    if message.content_type:
        out["contentType"] = message.content_type
    if message.description:
        out["description"] = message.description
    out["payload"] = message.payload
    if message.headers:
        out["headers"] = message.headers
    if message.bindings:
        out["bindings"] = message.bindings
    return out


def _channel(entry: Entry) -> dict[str, Any]:
    key = entry.message.key
    out: dict[str, Any] = {
        "address": entry.address,
        "title": entry.title,
        "messages": {key: {"$ref": f"#/components/messages/{key}"}},
    }
    if entry.description:
        out["description"] = entry.description
    if entry.parameters:
        out["parameters"] = {
            name: {"description": f"The `{name}` part of the address."} for name in entry.parameters
        }
    if entry.servers:
        out["servers"] = [{"$ref": f"#/servers/{name}"} for name in entry.servers]
    if entry.bindings.channel:
        out["bindings"] = entry.bindings.channel
    return out


def _operation(entry: Entry) -> dict[str, Any]:
    out: dict[str, Any] = {
        "action": "receive" if entry.receive else "send",
        "channel": {"$ref": f"#/channels/{entry.key}"},
        "title": entry.title,
        "messages": [{"$ref": f"#/channels/{entry.key}/messages/{entry.message.key}"}],
    }
    if entry.description:
        out["description"] = entry.description
    if entry.bindings.operation:
        out["bindings"] = entry.bindings.operation
    return out


def document(c: Collected) -> dict[str, Any]:
    info = dict(c.info)
    if c.tags:
        info["tags"] = c.tags
    if c.external_docs:
        info["externalDocs"] = c.external_docs
    doc: dict[str, Any] = {"asyncapi": VERSION}
    if c.identifier:
        doc["id"] = c.identifier
    doc["info"] = info
    doc["defaultContentType"] = "application/json"
    if c.servers:
        doc["servers"] = {name: _server(s) for name, s in c.servers.items()}
    doc["channels"] = {e.key: _channel(e) for e in c.entries}
    doc["operations"] = {e.key: _operation(e) for e in c.entries}
    doc["components"] = {
        "messages": {e.message.key: _message(e.message) for e in c.entries},
        "schemas": c.schemas,
    }
    schemes = security_schemes(c)
    if schemes:
        doc["components"]["securitySchemes"] = schemes
    return doc

"""The AsyncAPI 2.6.0 form: channel items with ``publish`` / ``subscribe`` operations.

In 2.x the operation names what *other* applications do on the channel:
``publish`` describes the messages this application receives and
``subscribe`` the messages it sends (the AsyncAPI 3.0 migration maps
``publish`` to ``receive`` and ``subscribe`` to ``send``). So a subscriber's
channel has a ``publish`` operation and a publisher's a ``subscribe`` one.

Channel keys are the channels' titles (``"orders:handle"``), percent-encoded
where RFC 6570 forbids a character, ``{name}`` parts kept as parameters.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from .entries import Collected, Entry, Message, security_schemes
from .servers import Server

VERSION = "2.6.0"

_PARAM = re.compile(r"({[A-Za-z_][A-Za-z0-9_]*})")
#: Characters a URI Template literal may not contain (RFC 6570, section 2.1).
_NOT_LITERAL = re.compile(r"""[\x00-\x20\x7f"'%<>\\^`{|}]""")


def template_key(text: str) -> str:
    """``text`` as a URI Template: ``{name}`` parts kept, other unsafe characters encoded."""
    parts = _PARAM.split(text)
    return "".join(
        part if i % 2 else _NOT_LITERAL.sub(lambda m: quote(m.group(0), safe=""), part)
        for i, part in enumerate(parts)
    )


def _server(server: Server) -> dict[str, Any]:
    out: dict[str, Any] = {"url": server.url, "protocol": server.protocol}
    if server.protocol_version:
        out["protocolVersion"] = server.protocol_version
    if server.description:
        out["description"] = server.description
    if server.security:
        out["security"] = [{name: []} for name in server.security]
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


def _channel(entry: Entry, key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if entry.description:
        out["description"] = entry.description
    if entry.servers:
        out["servers"] = list(entry.servers)
    parameters = [p[1:-1] for p in _PARAM.findall(key)]
    if parameters:
        out["parameters"] = {
            name: {
                "description": f"The `{name}` part of the address.",
                "schema": {"type": "string"},
            }
            for name in dict.fromkeys(parameters)
        }
    if entry.bindings.channel:
        out["bindings"] = entry.bindings.channel
    operation: dict[str, Any] = {"operationId": entry.key, "summary": entry.title}
    if entry.description:
        operation["description"] = entry.description
    if entry.bindings.operation:
        operation["bindings"] = entry.bindings.operation
    operation["message"] = {"$ref": f"#/components/messages/{entry.message.key}"}
    out["publish" if entry.receive else "subscribe"] = operation
    return out


def document(c: Collected) -> dict[str, Any]:
    doc: dict[str, Any] = {"asyncapi": VERSION}
    if c.identifier:
        doc["id"] = c.identifier
    doc["info"] = dict(c.info)
    doc["defaultContentType"] = "application/json"
    if c.servers:
        doc["servers"] = {name: _server(s) for name, s in c.servers.items()}
    channels: dict[str, Any] = {}
    for entry in c.entries:
        key = base = template_key(entry.title)
        n = 1
        while key in channels:
            n += 1
            key = f"{base}:{n}"
        channels[key] = _channel(entry, key)
    doc["channels"] = channels
    doc["components"] = {
        "messages": {e.message.key: _message(e.message) for e in c.entries},
        "schemas": c.schemas,
    }
    schemes = security_schemes(c)
    if schemes:
        doc["components"]["securitySchemes"] = schemes
    if c.tags:
        doc["tags"] = c.tags
    if c.external_docs:
        doc["externalDocs"] = c.external_docs
    return doc

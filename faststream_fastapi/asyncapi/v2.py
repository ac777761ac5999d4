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

from .entries import Collected, Entry, components, given, head
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
    return given(
        {"url": server.url, "protocol": server.protocol},
        protocolVersion=server.protocol_version,
        description=server.description,
        security=[{name: []} for name in server.security],
    )


def _channel(entry: Entry, key: str) -> dict[str, Any]:
    parameters = [p[1:-1] for p in _PARAM.findall(key)]
    out = given(
        {},
        description=entry.description,
        servers=list(entry.servers),
        parameters={
            name: {
                "description": f"The `{name}` part of the address.",
                "schema": {"type": "string"},
            }
            for name in dict.fromkeys(parameters)
        },
        bindings=entry.bindings.channel,
    )
    operation = given(
        {"operationId": entry.key, "summary": entry.title},
        description=entry.description,
        bindings=entry.bindings.operation,
    )
    operation["message"] = {"$ref": f"#/components/messages/{entry.message.key}"}
    out["publish" if entry.receive else "subscribe"] = operation
    return out


def document(c: Collected) -> dict[str, Any]:
    doc = head(c, VERSION, dict(c.info), _server)
    channels: dict[str, Any] = {}
    for entry in c.entries:
        key = base = template_key(entry.title)
        n = 1
        while key in channels:
            n += 1
            key = f"{base}:{n}"
        channels[key] = _channel(entry, key)
    doc["channels"] = channels
    doc["components"] = components(c)
    return given(doc, tags=c.tags, externalDocs=c.external_docs)

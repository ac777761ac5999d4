"""What a document describes, independent of the AsyncAPI version that writes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..core.spec import Bindings
from .servers import Server


@dataclass
class Message:
    key: str
    title: str
    payload: dict[str, Any]
    headers: dict[str, Any] | None = None
    content_type: str | None = None
    description: str | None = None
    bindings: dict[str, Any] = field(default_factory=dict)
    #: A subscriber's message (received), not a publisher's.
    receive: bool = False


@dataclass
class Entry:
    """One channel with the one operation this application performs on it."""

    key: str
    title: str
    address: str
    receive: bool
    message: Message
    description: str | None = None
    parameters: tuple[str, ...] = ()
    bindings: Bindings = field(default_factory=Bindings)
    servers: tuple[str, ...] = ()


@dataclass
class Collected:
    info: dict[str, Any]
    servers: dict[str, Server]
    entries: list[Entry]
    schemas: dict[str, Any]
    tags: list[dict[str, Any]] = field(default_factory=list)
    external_docs: dict[str, Any] | None = None
    identifier: str | None = None


# -- what both versions write alike -----------------------------------------------


def given(out: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """``out`` with each of ``fields`` that has a value (in order); empty ones left out."""
    out.update((name, value) for name, value in fields.items() if value)
    return out


def head(
    c: Collected, version: str, info: dict[str, Any], server: Callable[[Server], dict[str, Any]]
) -> dict[str, Any]:
    """A document's first fields: version, id, info, content type and servers."""
    doc = given({"asyncapi": version}, id=c.identifier)
    doc["info"] = info
    doc["defaultContentType"] = "application/json"
    return given(doc, servers={name: server(s) for name, s in c.servers.items()})


def message_object(message: Message) -> dict[str, Any]:
    """A message in ``components.messages``: the same in 2.6 and 3.0."""
    out = given(
        {"name": message.key, "title": message.title},
        contentType=message.content_type,
        description=message.description,
    )
    out["payload"] = message.payload
    return given(out, headers=message.headers, bindings=message.bindings)


def components(c: Collected) -> dict[str, Any]:
    """Messages, schemas and every server's security schemes (by name)."""
    schemes = {name: scheme for s in c.servers.values() for name, scheme in s.security.items()}
    out = {
        "messages": {e.message.key: message_object(e.message) for e in c.entries},
        "schemas": c.schemas,
    }
    return given(out, securitySchemes=schemes)

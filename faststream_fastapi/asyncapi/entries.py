"""What a document describes, independent of the AsyncAPI version that writes it."""

from __future__ import annotations

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


def security_schemes(c: Collected) -> dict[str, dict[str, Any]]:
    """Every server's security schemes, by name, for ``components.securitySchemes``."""
    return {name: scheme for s in c.servers.values() for name, scheme in s.security.items()}

"""Server entries from a broker's connection URL(s), without credentials.

Passwords live in URLs (``amqp://user:secret@host``, ``redis://:secret@host``,
``?password=...``); a published document must never show them. Userinfo is
always dropped, and so is every query parameter whose name suggests a secret.
A broker's ``security=`` object adds its scheme's type (``userPassword``,
``scramSha256``, ``X509``, ...) and, with TLS, the protocol's TLS form. The
protocol, its TLS form and version come from the broker's descriptor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from ..core.descriptor import descriptor_of
from .info import tags_of

_SECRET = re.compile(
    r"pass|secret|token|key|auth|cred|sig|jwt|nkey|seed|session|cert|private", re.IGNORECASE
)


@dataclass
class Server:
    """One broker endpoint: what both document versions need to describe it."""

    protocol: str
    host: str
    pathname: str | None
    query: str
    has_scheme: bool
    protocol_version: str | None = None
    description: str | None = None
    #: The URL's scheme, when ``protocol`` is one the broker was told to show instead.
    scheme: str | None = None
    #: The broker's ``tags`` (written in 2.6.0 documents, as FastStream 0.5 did).
    tags: list[dict[str, Any]] = field(default_factory=list)
    #: The URL ended its host with a bare ``/`` (kept in the 2.6 ``url``, as 0.5 wrote it).
    root_slash: bool = False
    #: Security schemes by name: their type, never a secret.
    security: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The same as FastStream 0.5 named them (2.6.0); ``None`` without ``security=``.
    legacy_security: dict[str, dict[str, Any]] | None = None

    @property
    def url(self) -> str:
        """The 2.6 ``url``: scheme (when the broker was given one), host, path, safe query."""
        url = f"{self.scheme or self.protocol}://{self.host}" if self.has_scheme else self.host
        url += self.pathname or ("/" if self.root_slash else "")
        return f"{url}?{self.query}" if self.query else url


def _host(hostname: str | None, port: int | None) -> str:
    host = hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    return f"{host}:{port}" if port else host


def _safe_query(query: str) -> str:
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _SECRET.search(k)]
    return urlencode(pairs)


def broker_urls(broker: Any) -> list[str]:
    """The URLs a broker's document shows (``asyncapi_url``, else those it connects to)."""
    for attr in ("asyncapi_url", "url", "servers", "bootstrap_servers"):
        value = getattr(broker, attr, None)
        if isinstance(value, str) and value:
            return [u.strip() for u in value.split(",") if u.strip()]
        if isinstance(value, list | tuple) and value:
            urls: list[str] = []
            for item in value:
                if isinstance(item, str):
                    urls.extend(u.strip() for u in item.split(",") if u.strip())
            if urls:
                return urls
    return []


def servers_of(broker: Any) -> list[Server]:
    """One :class:`Server` per URL of ``broker``."""
    described = descriptor_of(broker)
    protocol = described.protocol.name if described is not None else None
    description = getattr(broker, "description", None)
    security = getattr(broker, "security", None)
    tls = bool(getattr(security, "tls", False))
    # FastStream 0.5's broker keywords, shown as given.
    own_protocol = _given(broker, "protocol")
    own_version = _given(broker, "protocol_version")
    tags = tags_of(broker)
    scheme_of = getattr(security, "asyncapi_scheme", None)
    auth = scheme_of(protocol) if callable(scheme_of) else None
    servers = []
    for url in broker_urls(broker):
        has_scheme = "://" in url
        try:
            parts = urlsplit(url if has_scheme else f"//{url}")
            hostname, port = parts.hostname, parts.port
        except ValueError:
            continue
        scheme = parts.scheme if has_scheme else (protocol or "tcp")
        if scheme == "unix":
            host = "localhost"
            path: str | None = parts.path or None
        else:
            host = _host(hostname, port) or "localhost"
            path = parts.path if parts.path and parts.path != "/" else None
        version = None
        if described is not None:
            wire = described.protocol
            if not (wire.keeps_url_scheme or wire.owns(scheme)):
                scheme = wire.name
            if tls and scheme == wire.name:
                scheme = wire.tls
            if wire.owns(scheme):
                version = wire.version
        servers.append(
            Server(
                protocol=own_protocol or scheme,
                scheme=scheme,
                host=host,
                pathname=path,
                query=_safe_query(parts.query),
                has_scheme=has_scheme,
                root_slash=parts.path == "/",
                protocol_version=own_version or version,
                tags=tags,
                description=description if isinstance(description, str) else None,
                security=dict([auth]) if auth else {},
                legacy_security=_legacy_security(security, auth),
            )
        )
    return servers


#: FastStream 0.5's scheme of each SASL mechanism, by the name it gave it.
_LEGACY_SCHEMES: dict[str, tuple[str, dict[str, Any]]] = {
    "PLAIN": ("user-password", {"type": "userPassword"}),
    "SCRAM-SHA-256": ("scram256", {"type": "scramSha256"}),
    "SCRAM-SHA-512": ("scram512", {"type": "scramSha512"}),
    # 0.5 wrote ``{"type": "oauth2", "$ref": ""}``, which no schema validates.
    "OAUTHBEARER": ("oauthbearer", {"type": "oauth2", "flows": {}}),
    "GSSAPI": ("gssapi", {"type": "gssapi"}),
}


def _legacy_security(
    security: Any, ours: tuple[str, dict[str, Any]] | None
) -> dict[str, dict[str, Any]] | None:
    """FastStream 0.5's names for the SASL mechanisms it knew, ours for the others."""
    if security is None:
        return None
    scheme = _LEGACY_SCHEMES.get(str(getattr(security, "mechanism", None))) or ours
    return dict([scheme]) if scheme else {}


def _given(broker: Any, name: str) -> str | None:
    value = getattr(broker, name, None)
    return value if isinstance(value, str) and value else None


def vhost_of(broker: Any, *, legacy: bool = False) -> str | None:
    """The virtual host named by the broker's URL (``/`` when none), where URLs name one.

    ``legacy`` (2.6.0): the URL's path as FastStream 0.5 wrote it (``/vh``).
    """
    described = descriptor_of(broker)
    if described is None or not described.protocol.vhost_in_path:
        return None
    urls = broker_urls(broker)
    if not urls:
        return None
    path = urlsplit(urls[0]).path
    if len(path) <= 1:
        return "/"
    return unquote(path) if legacy else unquote(path[1:])

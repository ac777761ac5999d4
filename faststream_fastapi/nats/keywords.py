"""``NatsBroker``'s and ``NatsRouter``'s keywords, for type checkers (nats-py's
``Client.connect`` keywords; see ``security/keywords.py``)."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any, TypedDict

from ..security.keywords import BrokerKeywords

_Callback = Callable[..., Any]


class NatsClientKeywords(TypedDict, total=False):
    error_cb: _Callback | None
    disconnected_cb: _Callback | None
    closed_cb: _Callback | None
    discovered_server_cb: _Callback | None
    reconnected_cb: _Callback | None
    lame_duck_mode_cb: _Callback | None
    name: str | None
    pedantic: bool
    verbose: bool
    allow_reconnect: bool
    connect_timeout: int
    reconnect_time_wait: int
    max_reconnect_attempts: int
    ping_interval: int
    max_outstanding_pings: int
    dont_randomize: bool
    flusher_queue_size: int
    no_echo: bool
    tls: ssl.SSLContext | None
    tls_hostname: str | None
    tls_handshake_first: bool
    user: str | _Callback | None
    password: str | _Callback | None
    token: str | _Callback | None
    drain_timeout: int
    signature_cb: _Callback | None
    user_jwt_cb: _Callback | None
    user_credentials: Any
    nkeys_seed: str | None
    nkeys_seed_str: str | None
    inbox_prefix: str | bytes
    pending_size: int
    flush_timeout: float | None
    ws_connection_headers: dict[str, list[str]] | None
    reconnect_to_server_handler: _Callback | None
    skip_subject_validation: bool


class NatsKeywords(BrokerKeywords, NatsClientKeywords, total=False):
    """``NatsBroker``'s keywords besides ``servers``."""

"""``RedisBroker``'s and ``RedisRouter``'s keywords, for type checkers (redis-py's
``Redis(...)`` keywords and the pool's; see ``security/keywords.py``)."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from typing import Any, TypedDict

from ..security.keywords import BrokerKeywords


class RedisClientKeywords(TypedDict, total=False):
    max_connections: int | None
    pool_timeout: float
    host: str
    port: int
    db: str | int
    password: str | None
    username: str | None
    socket_timeout: float | None
    socket_connect_timeout: float | None
    socket_read_size: int
    socket_keepalive: bool | None
    socket_keepalive_options: Mapping[int, int | bytes] | None
    unix_socket_path: str | None
    encoding: str
    encoding_errors: str
    decode_responses: bool
    retry_on_timeout: bool
    retry: Any
    retry_on_error: list[type[Exception]] | None
    ssl: bool
    ssl_keyfile: str | None
    ssl_certfile: str | None
    ssl_cert_reqs: str | ssl.VerifyMode
    ssl_include_verify_flags: list[ssl.VerifyFlags] | None
    ssl_exclude_verify_flags: list[ssl.VerifyFlags] | None
    ssl_ca_certs: str | None
    ssl_ca_data: str | None
    ssl_ca_path: str | None
    ssl_check_hostname: bool
    ssl_min_version: ssl.TLSVersion | None
    ssl_ciphers: str | None
    ssl_password: str | None
    health_check_interval: int
    client_name: str | None
    lib_name: str | None
    lib_version: str | None
    driver_info: Any
    auto_close_connection_pool: bool | None
    redis_connect_func: Callable[..., Any] | None
    credential_provider: Any
    #: RESP's version (2 or 3): the client's, not FastStream 0.5's AsyncAPI protocol.
    protocol: int | None
    legacy_responses: bool
    event_dispatcher: Any
    maint_notifications_config: Any


class RedisKeywords(BrokerKeywords, RedisClientKeywords, total=False):
    """``RedisBroker``'s keywords besides ``url``."""

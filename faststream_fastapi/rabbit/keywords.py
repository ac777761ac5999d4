"""``RabbitBroker``'s and ``RabbitRouter``'s keywords, for type checkers (the
broker's own, ``aio_pika.connect_robust``'s and the robust connection's; see
``security/keywords.py``)."""

from __future__ import annotations

import ssl
from typing import Any, TypedDict

from ..security.keywords import BrokerKeywords


class RabbitClientKeywords(TypedDict, total=False):
    prefetch_count: int
    max_consumers: int | None
    on_return_raises: bool
    connect_timeout: float
    host: str
    port: int
    login: str
    password: str
    virtualhost: str
    ssl: bool
    ssl_options: Any
    ssl_context: ssl.SSLContext | None
    timeout: float | None
    client_properties: dict[str, Any] | None
    # the robust connection's URL parameters, as aio-pika parses them
    interleave: Any
    happy_eyeballs_delay: Any
    reconnect_interval: Any
    fail_fast: Any


class RabbitKeywords(BrokerKeywords, RabbitClientKeywords, total=False):
    """``RabbitBroker``'s keywords besides ``url``."""

"""A redis-py TLS connection that uses a given ``ssl.SSLContext``.

redis-py builds its own context from file names (``ssl_ca_certs=``, ...);
the security objects hand over a context. The connection's ``ssl_context``
holder builds the context once and caches it in ``context``: filling that
cache in advance is the one redis-py detail relied on here, and the TLS tests
fail loudly if it changes.
"""

from __future__ import annotations

import ssl
from typing import Any

from redis.asyncio.connection import SSLConnection


class TLSConnection(SSLConnection):
    """``SSLConnection`` whose TLS context is ``tls_context`` (from the pool's kwargs)."""

    def __init__(self, *, tls_context: ssl.SSLContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ssl_context.context = tls_context

"""The Redis client and its connection pool.

redis-py's default pool raises ``Too many connections`` as soon as a burst of
commands (a FastAPI endpoint under many concurrent requests, say) needs more
connections than it may open. Here a command waits for a free connection
instead, up to ``pool_timeout`` seconds, then fails with a ``PublishError``.
Each subscriber's consume loop holds one connection while it waits for
messages, so ``max_connections`` must leave room for those and the publishes.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.connection import parse_url

#: How many connections one broker opens at most (redis-py's own default too).
DEFAULT_MAX_CONNECTIONS = 100
#: How long a command waits for a free connection once all are in use.
DEFAULT_POOL_TIMEOUT = 10.0
#: How long opening one connection may take.
DEFAULT_CONNECT_TIMEOUT = 5.0


def make_client(url: str, options: dict[str, Any]) -> Redis:
    """A client on a pool of at most ``max_connections`` that makes a burst wait.

    A keyword given (``host=``, ``port=``, ``db=``, ...) wins over the URL's part,
    as in FastStream 0.5 (``RedisBroker(url, host=...)``); redis-py's ``from_url``
    lets the URL win, so the URL is parsed here instead.
    """
    options = dict(options)
    max_connections = options.pop("max_connections", DEFAULT_MAX_CONNECTIONS)
    timeout = options.pop("pool_timeout", DEFAULT_POOL_TIMEOUT)
    settings = {"socket_connect_timeout": DEFAULT_CONNECT_TIMEOUT, **parse_url(url), **options}
    pool = BlockingConnectionPool(max_connections=max_connections, timeout=timeout, **settings)
    return Redis.from_pool(pool)

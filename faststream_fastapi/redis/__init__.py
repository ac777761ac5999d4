"""Redis: pub/sub channels, lists and streams over redis-py."""

from ..core.extras import needs

with needs("redis", "redis"):
    from ..core.ack import AckPolicy
    from ..core.message import StreamMessage as RedisMessage
    from . import fastapi
    from .broker import RedisBroker, RedisPublisher, RedisRoute, RedisRouter
    from .response import RedisResponse
    from .specs import ListSub, PubSub, StreamSub
    from .testing import TestRedisBroker

__all__ = [
    "AckPolicy",
    "ListSub",
    "PubSub",
    "RedisBroker",
    "RedisMessage",
    "RedisResponse",
    "RedisRouter",
    "StreamSub",
    "TestRedisBroker",
    "fastapi",
]
__all__ += ["RedisPublisher", "RedisRoute"]

# FastStream 0.5 re-exports the app test runner from each broker package.
from ..core.testing_app import TestApp  # noqa: E402

__all__ += ["TestApp"]

"""``faststream_fastapi.redis.fastapi``: the Redis ``StreamRouter`` and annotations."""

from __future__ import annotations

from typing import Annotated

from redis.asyncio import Redis as _Redis

from ..core.context import Context, Logger
from ..core.message import StreamMessage
from ..fastapi.annotations import ContextRepo
from ..fastapi.router import StreamRouter
from .broker import RedisBroker as _RedisBroker

RedisMessage = Annotated[StreamMessage, Context("message")]
RedisBroker = Annotated[_RedisBroker, Context("broker")]
#: The redis-py client, as in FastStream 0.5.
Redis = Annotated[_Redis, Context("broker.transport.client")]


class RedisRouter(StreamRouter[_RedisBroker]):
    """An ``APIRouter`` with a ``RedisBroker``: ``RedisRouter("redis://localhost:6379")``."""

    broker_class = _RedisBroker


__all__ = ["Context", "ContextRepo", "Logger"]
__all__ += ["Redis", "RedisBroker", "RedisMessage", "RedisRouter"]

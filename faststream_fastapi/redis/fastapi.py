"""``faststream_fastapi.redis.fastapi``: the Redis ``StreamRouter`` and annotations."""

from __future__ import annotations

from typing import Annotated

from ..core.context import Context, Logger
from ..core.message import StreamMessage
from ..fastapi.router import StreamRouter
from .broker import RedisBroker as _RedisBroker

RedisMessage = Annotated[StreamMessage, Context("message")]
RedisBroker = Annotated[_RedisBroker, Context("broker")]


class RedisRouter(StreamRouter[_RedisBroker]):
    """An ``APIRouter`` with a ``RedisBroker``: ``RedisRouter("redis://localhost:6379")``."""

    broker_class = _RedisBroker


__all__ = ["Context", "Logger", "RedisBroker", "RedisMessage", "RedisRouter"]

"""``faststream_fastapi.redis.fastapi``: the Redis ``StreamRouter`` and annotations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from redis.asyncio import Redis as _Redis
from typing_extensions import Unpack

from ..core.context import Context, Logger
from ..core.message import StreamMessage
from ..fastapi.annotations import ContextRepo
from ..fastapi.router import StreamRouter
from ..fastapi.typed import RouterKeywords
from .broker import RedisBroker as _RedisBroker
from .keywords import RedisClientKeywords

RedisMessage = Annotated[StreamMessage, Context("message")]
RedisBroker = Annotated[_RedisBroker, Context("broker")]
#: The redis-py client, as in FastStream 0.5.
Redis = Annotated[_Redis, Context("broker.transport.client")]


class RedisRouterKeywords(RouterKeywords, RedisClientKeywords, total=False):
    """``RedisRouter``'s keywords besides ``url``."""


class RedisRouter(StreamRouter[_RedisBroker]):
    """An ``APIRouter`` with a ``RedisBroker``: ``RedisRouter("redis://localhost:6379")``."""

    broker_class = _RedisBroker

    if TYPE_CHECKING:  # the constructor's keywords by name and type (``keywords.py``)

        def __init__(
            self, url: str | None = None, **kwargs: Unpack[RedisRouterKeywords]
        ) -> None: ...


__all__ = ["Context", "ContextRepo", "Logger"]
__all__ += ["Redis", "RedisBroker", "RedisMessage", "RedisRouter"]

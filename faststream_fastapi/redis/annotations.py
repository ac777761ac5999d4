"""FastStream 0.5's import path for the handler annotations of ``redis.fastapi``."""

from .fastapi import (
    Context,
    ContextRepo,
    Logger,
    Redis,
    RedisBroker,
    RedisMessage,
)

__all__ = ["Context", "ContextRepo", "Logger", "Redis", "RedisBroker", "RedisMessage"]

"""FastStream 0.5's import path for the handler annotations of ``redis.fastapi``."""

from .fastapi import Context, Logger, RedisBroker, RedisMessage

__all__ = ["Context", "Logger", "RedisBroker", "RedisMessage"]

"""FastStream 0.5's import path for the handler annotations of ``nats.fastapi``."""

from .fastapi import Context, Logger, NatsBroker, NatsMessage, ObjectStorage

__all__ = ["Context", "Logger", "NatsBroker", "NatsMessage", "ObjectStorage"]

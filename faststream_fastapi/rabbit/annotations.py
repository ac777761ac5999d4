"""FastStream 0.5's import path for the handler annotations of ``rabbit.fastapi``."""

from .fastapi import Context, Logger, RabbitBroker, RabbitMessage

__all__ = ["Context", "Logger", "RabbitBroker", "RabbitMessage"]

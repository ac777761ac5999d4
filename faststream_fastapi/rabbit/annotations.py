"""FastStream 0.5's import path for the handler annotations of ``rabbit.fastapi``."""

from .fastapi import (
    Channel,
    Connection,
    Context,
    ContextRepo,
    Logger,
    RabbitBroker,
    RabbitMessage,
    RabbitProducer,
)

__all__ = [
    "Channel",
    "Connection",
    "Context",
    "ContextRepo",
    "Logger",
    "RabbitBroker",
    "RabbitMessage",
    "RabbitProducer",
]

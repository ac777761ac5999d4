"""FastStream 0.5's import path for the handler annotations of ``nats.fastapi``."""

from .fastapi import (
    Client,
    Context,
    ContextRepo,
    JsClient,
    Logger,
    NatsBroker,
    NatsJsProducer,
    NatsMessage,
    NatsProducer,
    ObjectStorage,
)

__all__ = [
    "Client",
    "Context",
    "ContextRepo",
    "JsClient",
    "Logger",
    "NatsBroker",
    "NatsJsProducer",
    "NatsMessage",
    "NatsProducer",
    "ObjectStorage",
]

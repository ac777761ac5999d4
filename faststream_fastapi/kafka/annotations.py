"""FastStream 0.5's import path for the handler annotations of ``kafka.fastapi``."""

from .fastapi import (
    Context,
    ContextRepo,
    KafkaBroker,
    KafkaMessage,
    KafkaProducer,
    Logger,
)

__all__ = ["Context", "ContextRepo", "KafkaBroker", "KafkaMessage", "KafkaProducer", "Logger"]

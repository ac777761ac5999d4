"""FastStream 0.5's import path for the handler annotations of ``kafka.fastapi``."""

from .fastapi import Context, KafkaBroker, KafkaMessage, Logger

__all__ = ["Context", "KafkaBroker", "KafkaMessage", "Logger"]

"""The attribute names FastStream 0.5 defined itself, under its module name
(``faststream.opentelemetry.consts``); ``attributes`` holds them all."""

from .attributes import DESTINATION_PUBLISH, ERROR_TYPE, WITH_BATCH

MESSAGING_DESTINATION_PUBLISH_NAME = DESTINATION_PUBLISH

__all__ = ["ERROR_TYPE", "MESSAGING_DESTINATION_PUBLISH_NAME", "WITH_BATCH"]

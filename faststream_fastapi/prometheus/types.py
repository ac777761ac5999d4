"""The values of the ``status`` label by FastStream 0.5's names (its ``prometheus.types``)."""

from __future__ import annotations

from enum import Enum


class ProcessingStatus(str, Enum):
    """How a received message ended (``faststream_received_processed_messages_total``)."""

    acked = "acked"
    nacked = "nacked"
    rejected = "rejected"
    skipped = "skipped"
    error = "error"


class PublishingStatus(str, Enum):
    """How a publish ended (``faststream_published_messages_total``)."""

    success = "success"
    error = "error"


__all__ = ["ProcessingStatus", "PublishingStatus"]

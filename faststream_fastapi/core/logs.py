"""Per-message context on log records: message id, correlation id, destination."""

from __future__ import annotations

import logging

from .context import current_message


class MessageContextFilter(logging.Filter):
    """Adds ``message_id``, ``correlation_id`` and ``destination`` to every record.

    Outside a message they are ``None``, so format strings may always use them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = current_message.get()
        if not hasattr(record, "message_id"):
            record.message_id = message.message_id if message else None
        if not hasattr(record, "correlation_id"):
            record.correlation_id = message.correlation_id if message else None
        if not hasattr(record, "destination"):
            record.destination = message.destination if message else None
        return True


def install(logger: logging.Logger) -> None:
    if not any(isinstance(f, MessageContextFilter) for f in logger.filters):
        logger.addFilter(MessageContextFilter())

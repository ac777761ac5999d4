"""Per-message context on log records: message id, correlation id, destination.

The library's own logger carries ``MessageContextFilter``. A logger a user
gives a broker is left as it is: the broker logs through a ``ContextLogger``
in front of it, which adds the same fields to the records it makes.
"""

from __future__ import annotations

import logging
from types import EllipsisType

from .context import current_message

#: The library's logger: brokers log here unless given another.
library_logger = logging.getLogger("faststream_fastapi")


def add_context(record: logging.LogRecord) -> None:
    """Set the message fields the record does not have yet (``None`` outside a message)."""
    message = current_message.get()
    if not hasattr(record, "message_id"):
        record.message_id = message.message_id if message else None
    if not hasattr(record, "correlation_id"):
        record.correlation_id = message.correlation_id if message else None
    if not hasattr(record, "destination"):
        record.destination = message.destination if message else None


class MessageContextFilter(logging.Filter):
    """Adds ``message_id``, ``correlation_id`` and ``destination`` to every record.

    Outside a message they are ``None``, so format strings may always use them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        add_context(record)
        return True


def install(logger: logging.Logger = library_logger) -> None:
    """Put a ``MessageContextFilter`` on ``logger`` (once); meant for the library's own."""
    if not any(isinstance(f, MessageContextFilter) for f in logger.filters):
        logger.addFilter(MessageContextFilter())


class ContextLogger(logging.Logger):
    """``target`` as a broker logs to it, with the message context on each record.

    Same name; level, ``disabled`` and filters are ``target``'s, read at each
    call; records go to ``target``'s handlers, then propagate from it as its
    own would. ``target`` gets no filter, handler or level from this.
    """

    def __init__(self, target: logging.Logger) -> None:
        super().__init__(target.name)
        self.target = target
        self.parent = target

    def isEnabledFor(self, level: int) -> bool:
        return self.target.isEnabledFor(level)

    def getEffectiveLevel(self) -> int:
        return self.target.getEffectiveLevel()

    def setLevel(self, level: int | str) -> None:
        self.target.setLevel(level)

    def handle(self, record: logging.LogRecord) -> None:
        target = self.target
        if target.disabled:
            return
        add_context(record)
        if target.filter(record):
            self.callHandlers(record)  # ours (none), then ``target``'s and upwards

    def __repr__(self) -> str:
        return f"<ContextLogger for {self.target!r}>"


def broker_logger(logger: logging.Logger | EllipsisType | None) -> logging.Logger:
    """The logger a broker given ``logger=`` logs to (``...``: the library's; ``None``: off)."""
    if logger is ...:
        install(library_logger)
        return library_logger
    if logger is None:
        off = logging.getLogger("faststream_fastapi.null")
        off.disabled = True
        return off
    if logger is library_logger:
        install(library_logger)
        return logger
    if isinstance(logger, ContextLogger):  # another broker's: already adds the context
        return logger
    return ContextLogger(logger)

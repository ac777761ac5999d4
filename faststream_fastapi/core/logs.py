"""Per-message context on log records: message id, correlation id, destination.

The library's own logger carries ``MessageContextFilter`` and, as FastStream's
does, is seen by default under any server: it logs at ``INFO`` unless given a
level, and its ``FallbackHandler`` writes to stderr whatever no other handler
would take (none on it, none on the root logger). A logger a user gives a
broker is left as it is: the broker logs through a ``ContextLogger`` in front
of it, which adds the same fields to the records it makes.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from types import EllipsisType
from typing import TextIO

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


class ContextFormatter(logging.Formatter):
    """``time LEVEL logger: message``; while a message is handled,
    ``time LEVEL logger: destination | id - message``, the id being the message
    id, else the correlation id (left out when it has neither)."""

    FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(context)s%(message)s"

    def __init__(self) -> None:
        super().__init__(self.FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        values = dict(record.__dict__)
        values["context"] = _context(values)
        return self.FORMAT % values


def _context(values: dict[str, object]) -> str:
    destination = values.get("destination")
    if destination is None:
        return ""
    ident = values.get("message_id") or values.get("correlation_id")
    return f"{destination} | {ident} - " if ident else f"{destination} - "


class FallbackHandler(logging.Handler):
    """Writes the library logger's records to stderr (``ContextFormatter``) when no
    other handler takes them: none on that logger nor on those it propagates to.

    So they show under plain ``uvicorn`` as under ``faststream-fastapi run``, and
    once configured (``logging.basicConfig``, ``dictConfig``, pytest's capture)
    logging goes where it says, without a second copy.
    """

    def __init__(self, owner: logging.Logger) -> None:
        super().__init__()
        self.owner = owner
        self.setFormatter(ContextFormatter())

    @property
    def stream(self) -> TextIO:
        return sys.stderr  # read at each record: redirections of stderr are followed

    def handle(self, record: logging.LogRecord) -> bool:
        if _other_handlers(self.owner):
            return False
        return bool(super().handle(record))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(self.format(record) + "\n")
            self.stream.flush()
        except Exception:
            self.handleError(record)


def _other_handlers(logger: logging.Logger | None) -> bool:
    while logger is not None:
        if any(not isinstance(h, FallbackHandler) for h in logger.handlers):
            return True
        if not logger.propagate:
            return False
        logger = logger.parent
    return False


def install(logger: logging.Logger = library_logger) -> None:
    """Meant for the library's own logger, once: a ``MessageContextFilter``, a
    ``FallbackHandler``, and level ``INFO`` unless it has a level already."""
    if not any(isinstance(f, MessageContextFilter) for f in logger.filters):
        logger.addFilter(MessageContextFilter())
    if not any(isinstance(h, FallbackHandler) for h in logger.handlers):
        logger.addHandler(FallbackHandler(logger))
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)


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


def access_log(
    logger: logging.Logger, level: int | None, middlewares: Iterable[object]
) -> tuple[logging.Logger | None, int]:
    """The logger and level of a subscriber's ``Received`` / ``Processed`` lines (no
    logger: none).

    The broker's ``log_level`` (``level``) if it has one; else ``INFO`` on the
    library's own logger, and none on a logger the user gave or when a middleware
    logs each message itself (``MessageLogMiddleware``). Decided when the subscriber
    starts: below the logger's level then, the lines cost nothing per message.
    """
    if level is None:
        chosen = logger is not library_logger
        if chosen or any(getattr(mw, "logs_each_message", False) for mw in middlewares):
            return None, logging.NOTSET
        level = logging.INFO
    return (logger if logger.isEnabledFor(level) else None), level

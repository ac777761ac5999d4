"""One log line per message: where it came from, its ids, how it ended, how long it took."""

from __future__ import annotations

import logging
import time
from typing import Any

from ..core.message import StreamMessage
from ..core.middleware import CallNext, Middleware, SubscriberView
from .labels import status_of


class MessageLogMiddleware(Middleware):
    """Logs ``"<subscriber>: acked in 1.23 ms"`` once per message.

    The record carries ``message_id``, ``correlation_id``, ``destination``
    (the concrete one), ``subscriber`` (as declared), ``status`` and
    ``duration_ms`` as attributes, for formatters and structured handlers.
    ``logger`` defaults to the broker's. A message whose handler raised is
    logged at ``failure_level``, without a traceback: the subscriber logs that
    once, without the payload.
    """

    def __init__(
        self,
        logger: logging.Logger | None = None,
        *,
        level: int = logging.INFO,
        failure_level: int = logging.WARNING,
    ) -> None:
        self.logger = logger
        self.level = level
        self.failure_level = failure_level

    def for_subscriber(self, subscriber: SubscriberView) -> Middleware:
        return _BoundMessageLog(self, subscriber)


class _BoundMessageLog(Middleware):
    __slots__ = ("failure_level", "level", "logger", "sub")

    #: Its line replaces the broker's ``Received`` / ``Processed`` pair.
    logs_each_message = True

    def __init__(self, owner: MessageLogMiddleware, subscriber: SubscriberView) -> None:
        self.sub = subscriber
        self.logger = owner.logger or subscriber.broker.logger
        self.level = owner.level
        self.failure_level = owner.failure_level

    async def consume(self, message: StreamMessage, call_next: CallNext) -> Any:
        logger = self.logger
        if not logger.isEnabledFor(min(self.level, self.failure_level)):
            return await call_next(message)
        error: BaseException | None = None
        start = time.perf_counter()
        try:
            return await call_next(message)
        except BaseException as exc:  # a cancellation too: logged as unsettled
            error = exc
            raise
        finally:
            duration_ms = (time.perf_counter() - start) * 1000.0
            status = status_of(message, self.sub.ack_policy, error)
            failed = isinstance(error, Exception)
            level = self.failure_level if failed else self.level
            if logger.isEnabledFor(level):
                logger.log(
                    level,
                    "%s: %s in %.2f ms",
                    self.sub.name,
                    f"{status} ({type(error).__name__})" if failed else status,
                    duration_ms,
                    extra={
                        "message_id": message.message_id,
                        "correlation_id": message.correlation_id,
                        "destination": message.destination,
                        "subscriber": self.sub.name,
                        "status": status,
                        "duration_ms": round(duration_ms, 3),
                    },
                )

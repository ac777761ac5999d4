"""Logging helpers shared by the metrics and tracing middlewares.

``MessageLogMiddleware`` logs one line per message; ``MessageContextFilter``
(from ``core.logs``) puts ``message_id``, ``correlation_id`` and
``destination`` on any record logged while a message is handled — attach it
to a handler to cover your own loggers too.
"""

from ..core.logs import MessageContextFilter
from .labels import STATUSES, broker_kind, status_of
from .messagelog import MessageLogMiddleware

__all__ = ["STATUSES", "MessageContextFilter", "MessageLogMiddleware", "broker_kind", "status_of"]

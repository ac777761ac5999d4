"""Trace ids on log records, to jump from a log line to its trace."""

from __future__ import annotations

import logging

from opentelemetry import trace


class TraceContextFilter(logging.Filter):
    """Adds ``trace_id`` and ``span_id`` (hex, ``None`` outside a span) to every record.

    Attach it to a handler, next to ``MessageContextFilter``, so that lines
    logged while a message is handled name the consumer span's trace.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = trace.get_current_span().get_span_context()
        valid = ctx.is_valid
        if not hasattr(record, "trace_id"):
            record.trace_id = format(ctx.trace_id, "032x") if valid else None
        if not hasattr(record, "span_id"):
            record.span_id = format(ctx.span_id, "016x") if valid else None
        return True

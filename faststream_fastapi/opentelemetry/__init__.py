"""OpenTelemetry tracing (extra ``otel``): ``TelemetryMiddleware``, ``TraceContextFilter``,
and for handlers ``CurrentSpan``, ``CurrentBaggage`` (``Baggage``)."""

from .baggage import Baggage, CurrentBaggage, CurrentSpan
from .logs import TraceContextFilter
from .middleware import TelemetryMiddleware

__all__ = ["Baggage", "CurrentBaggage", "CurrentSpan", "TelemetryMiddleware", "TraceContextFilter"]

"""OpenTelemetry tracing (extra ``otel``): ``TelemetryMiddleware``, ``TraceContextFilter``."""

from .logs import TraceContextFilter
from .middleware import TelemetryMiddleware

__all__ = ["TelemetryMiddleware", "TraceContextFilter"]

"""OpenTelemetry tracing for a Redis broker, where FastStream 0.5 imports it from."""

from ...opentelemetry.by_broker import BrokerTelemetryMiddleware


class RedisTelemetryMiddleware(BrokerTelemetryMiddleware):
    """``RedisBroker(middlewares=[RedisTelemetryMiddleware(tracer_provider=provider)])``."""


__all__ = ["RedisTelemetryMiddleware"]

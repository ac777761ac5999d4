"""OpenTelemetry tracing for a NATS broker, where FastStream 0.5 imports it from."""

from ...opentelemetry.by_broker import BrokerTelemetryMiddleware


class NatsTelemetryMiddleware(BrokerTelemetryMiddleware):
    """``NatsBroker(middlewares=[NatsTelemetryMiddleware(tracer_provider=provider)])``."""


__all__ = ["NatsTelemetryMiddleware"]

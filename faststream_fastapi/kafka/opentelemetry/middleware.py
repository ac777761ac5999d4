"""OpenTelemetry tracing for an aiokafka broker, where FastStream 0.5 imports it from."""

from ...opentelemetry.by_broker import BrokerTelemetryMiddleware


class KafkaTelemetryMiddleware(BrokerTelemetryMiddleware):
    """``KafkaBroker(middlewares=[KafkaTelemetryMiddleware(tracer_provider=provider)])``."""


__all__ = ["KafkaTelemetryMiddleware"]

"""OpenTelemetry tracing for a RabbitMQ broker, where FastStream 0.5 imports it from."""

from ...opentelemetry.by_broker import BrokerTelemetryMiddleware


class RabbitTelemetryMiddleware(BrokerTelemetryMiddleware):
    """``RabbitBroker(middlewares=[RabbitTelemetryMiddleware(tracer_provider=provider)])``."""

    #: As in FastStream 0.5: no message counters for RabbitMQ, durations only.
    counters = False


__all__ = ["RabbitTelemetryMiddleware"]

"""Where FastStream 0.5 imports this broker's middleware from (and from ``.middleware``)."""

from .middleware import RabbitTelemetryMiddleware

__all__ = ["RabbitTelemetryMiddleware"]

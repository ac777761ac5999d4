"""Where FastStream 0.5 imports this broker's middleware from (and from ``.middleware``)."""

from .middleware import KafkaTelemetryMiddleware

__all__ = ["KafkaTelemetryMiddleware"]

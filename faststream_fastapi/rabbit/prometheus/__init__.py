"""Where FastStream 0.5 imports this broker's middleware from (and from ``.middleware``)."""

from .middleware import RabbitPrometheusMiddleware

__all__ = ["RabbitPrometheusMiddleware"]

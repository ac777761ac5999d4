"""Prometheus metrics for a RabbitMQ broker, where FastStream 0.5 imports them from."""

from ...prometheus.by_broker import BrokerPrometheusMiddleware


class RabbitPrometheusMiddleware(BrokerPrometheusMiddleware):
    """``RabbitBroker(middlewares=[RabbitPrometheusMiddleware(registry=registry)])``."""


__all__ = ["RabbitPrometheusMiddleware"]

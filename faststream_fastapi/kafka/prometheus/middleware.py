"""Prometheus metrics for an aiokafka broker, where FastStream 0.5 imports them from."""

from ...prometheus.by_broker import BrokerPrometheusMiddleware


class KafkaPrometheusMiddleware(BrokerPrometheusMiddleware):
    """``KafkaBroker(middlewares=[KafkaPrometheusMiddleware(registry=registry)])``."""


__all__ = ["KafkaPrometheusMiddleware"]

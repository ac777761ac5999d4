"""Prometheus metrics for a Redis broker, where FastStream 0.5 imports them from."""

from ...prometheus.by_broker import BrokerPrometheusMiddleware


class RedisPrometheusMiddleware(BrokerPrometheusMiddleware):
    """``RedisBroker(middlewares=[RedisPrometheusMiddleware(registry=registry)])``."""


__all__ = ["RedisPrometheusMiddleware"]

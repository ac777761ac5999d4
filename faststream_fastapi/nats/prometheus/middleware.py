"""Prometheus metrics for a NATS broker, where FastStream 0.5 imports them from."""

from ...prometheus.by_broker import BrokerPrometheusMiddleware


class NatsPrometheusMiddleware(BrokerPrometheusMiddleware):
    """``NatsBroker(middlewares=[NatsPrometheusMiddleware(registry=registry)])``."""


__all__ = ["NatsPrometheusMiddleware"]

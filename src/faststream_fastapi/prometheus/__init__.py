"""Prometheus metrics (extra ``prometheus``): ``PrometheusMiddleware`` and ``/metrics``.

``make_asgi_app(registry)`` is ``prometheus_client``'s ASGI app, re-exported so
that one import serves both the broker and the ``/metrics`` route.
"""

from prometheus_client import CollectorRegistry, make_asgi_app

from ..observability.labels import STATUSES
from .middleware import DURATION_BUCKETS, SIZE_BUCKETS, PrometheusMiddleware

__all__ = [
    "DURATION_BUCKETS",
    "SIZE_BUCKETS",
    "STATUSES",
    "CollectorRegistry",
    "PrometheusMiddleware",
    "make_asgi_app",
]

"""Prometheus metrics (extra ``prometheus``): ``PrometheusMiddleware`` and ``/metrics``.

``make_asgi_app(registry)`` is ``prometheus_client``'s ASGI app, re-exported so
that one import serves both the broker and the ``/metrics`` route;
``metrics_registry()`` is the registry to serve, with one worker process or several.
"""

from prometheus_client import CollectorRegistry, make_asgi_app

from ..observability.labels import STATUSES
from .middleware import DURATION_BUCKETS, SIZE_BUCKETS, PrometheusMiddleware
from .multiprocess import metrics_registry

__all__ = [
    "DURATION_BUCKETS",
    "SIZE_BUCKETS",
    "STATUSES",
    "CollectorRegistry",
    "PrometheusMiddleware",
    "make_asgi_app",
    "metrics_registry",
]

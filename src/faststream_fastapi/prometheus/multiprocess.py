"""One ``/metrics`` for several worker processes: ``prometheus_client``'s multiprocess mode.

With ``PROMETHEUS_MULTIPROC_DIR`` set before Python starts, every process
writes its metric values to files in that directory instead of memory;
a ``MultiProcessCollector`` merges all the files at scrape time, so the
worker that answers ``/metrics`` reports the totals of every worker.
"""

from __future__ import annotations

import os
import weakref

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

#: The variable ``prometheus_client`` reads, once, when it is imported.
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"

# Registries that serve the files: the middleware's metrics must not be
# registered in one too, or the serving process would count itself twice.
_merging: weakref.WeakSet[CollectorRegistry] = weakref.WeakSet()


def metrics_registry() -> CollectorRegistry:
    """The registry to serve at ``/metrics`` when the middleware uses the default one.

    In a single process, that is ``prometheus_client``'s default registry.
    Under ``PROMETHEUS_MULTIPROC_DIR`` (gunicorn, ``faststream-fastapi run
    --workers N``), a new registry that merges what every process wrote
    there: counters and histograms summed over all workers, dead ones
    included; the in-flight gauge summed over live ones.
    """
    if not os.environ.get(MULTIPROC_DIR):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    _merging.add(registry)
    return registry


def check_not_merging(registry: CollectorRegistry) -> None:
    """Refuse to register metrics in a registry that merges the processes' files."""
    if registry in _merging:
        raise ValueError(
            "this registry serves the metrics of every process (metrics_registry()); "
            "leave PrometheusMiddleware(registry=...) out, so that each process "
            "writes its own metrics to PROMETHEUS_MULTIPROC_DIR"
        )

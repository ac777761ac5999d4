"""One ``/metrics`` for several worker processes: ``prometheus_client``'s multiprocess mode.

With ``PROMETHEUS_MULTIPROC_DIR`` set before Python starts, every process
writes its metric values to files in that directory instead of memory;
a ``MultiProcessCollector`` merges all the files at scrape time, so the
worker that answers ``/metrics`` reports the totals of every worker.
Only ``prometheus_client``'s metric objects write those files, so in this mode
the middleware keeps its values in them (``ClientMetrics``), at their cost.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Sequence
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.multiprocess import MultiProcessCollector

from ..observability.labels import STATUSES
from . import families

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


def multiprocess_mode() -> bool:
    """True when the metrics must go to ``PROMETHEUS_MULTIPROC_DIR``'s files."""
    return bool(os.environ.get(MULTIPROC_DIR))


class ClientMetrics:
    """The families as ``prometheus_client`` metrics, registered in ``registry``."""

    def __init__(
        self,
        registry: CollectorRegistry,
        prefix: str,
        duration_buckets: Sequence[float],
        size_buckets: Sequence[float],
    ) -> None:
        def make(family: families.Family, cls: Any, **kw: Any) -> Any:
            name = f"{prefix}_{family.name}"
            return cls(name, family.help, family.labels, registry=registry, **kw)

        self.received: Counter = make(families.RECEIVED, Counter)
        self.received_size: Histogram = make(
            families.RECEIVED_SIZE, Histogram, buckets=size_buckets
        )
        # One series, the sum over live workers.
        self.in_process: Gauge = make(families.IN_PROCESS, Gauge, multiprocess_mode="livesum")
        self.processed: Counter = make(families.PROCESSED, Counter)
        self.duration: Histogram = make(families.DURATION, Histogram, buckets=duration_buckets)
        self.process_exceptions: Counter = make(families.PROCESS_EXCEPTIONS, Counter)
        self.published: Counter = make(families.PUBLISHED, Counter)
        self.publish_duration: Histogram = make(
            families.PUBLISH_DURATION, Histogram, buckets=duration_buckets
        )
        self.publish_exceptions: Counter = make(families.PUBLISH_EXCEPTIONS, Counter)
        self.published_size: Histogram = make(
            families.PUBLISHED_SIZE, Histogram, buckets=size_buckets
        )

    def consume_series(self, app_name: str, broker: str, handler: str) -> _ClientConsume:
        return _ClientConsume(self, (app_name, broker, handler))

    def publish_series(self, app_name: str, broker: str, destination: str) -> _ClientPublish:
        return _ClientPublish(self, (app_name, broker, destination))


Labels = tuple[str, ...]


class _ClientConsume:
    """A subscriber's label children, looked up once."""

    __slots__ = (
        "duration",
        "exceptions",
        "in_process",
        "labels",
        "m",
        "processed",
        "received",
        "size",
    )

    def __init__(self, metrics: ClientMetrics, labels: Labels) -> None:
        self.m = metrics
        self.labels = labels
        self.processed = {status: metrics.processed.labels(*labels, status) for status in STATUSES}
        self.duration = metrics.duration.labels(*labels)
        self.received = metrics.received.labels(*labels)
        self.size = metrics.received_size.labels(*labels)
        self.in_process = metrics.in_process.labels(*labels)
        self.exceptions: dict[str, Counter] = {}

    def receive(self, size: int, count: int = 1) -> None:
        self.received.inc(count)
        self.size.observe(size)
        self.in_process.inc(count)

    def finish(self, status: str, elapsed: float, count: int = 1) -> None:
        self.in_process.dec(count)
        self.processed[status].inc(count)
        self.duration.observe(elapsed)

    def exception(self, name: str) -> None:
        child = self.exceptions.get(name)
        if child is None:
            child = self.exceptions[name] = self.m.process_exceptions.labels(*self.labels, name)
        child.inc()


class _ClientPublish:
    """A publish label's children, looked up once."""

    __slots__ = ("duration", "error", "labels", "m", "size", "success")

    def __init__(self, metrics: ClientMetrics, labels: Labels) -> None:
        self.m = metrics
        self.labels = labels
        self.success = metrics.published.labels(*labels, "success")
        self.error = metrics.published.labels(*labels, "error")
        self.duration = metrics.publish_duration.labels(*labels)
        self.size = metrics.published_size.labels(*labels)

    def sent(self, size: int) -> None:
        self.size.observe(size)

    def succeeded(self, elapsed: float, count: int = 1) -> None:
        self.duration.observe(elapsed)
        self.success.inc(count)

    def failed(self, elapsed: float, name: str, count: int = 1) -> None:
        self.duration.observe(elapsed)
        self.error.inc(count)
        self.m.publish_exceptions.labels(*self.labels, name).inc()

"""Metrics of one process: plain counts, turned into Prometheus families at scrape time.

``prometheus_client``'s metrics take a lock and walk the buckets in Python on
every update, six times per consumed message: most of the middleware's cost.
Here a message adds to a few numbers on objects the middleware holds already
(``received``, ``processed`` and in process are histogram counts; see
``_Histogram`` for how a bucket is found). No lock: the updates run in the
middleware's coroutines, on the broker's event loop, one at a time; a handler
run in a thread pool is awaited there too. Brokers running on event loops in
different threads should not share a registry and prefix, or concurrent
additions may be lost. A scrape, possibly on another thread
(``start_http_server``), only reads: each histogram's buckets are copied at
once, so its count matches its buckets; its sum may lag them by one message.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from time import time
from typing import NamedTuple, TypeVar

from prometheus_client import metrics as client_metrics
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import INF, floatToGoString

from ..observability.labels import STATUSES
from . import families
from .families import Family

Labels = tuple[str, ...]
S = TypeVar("S")


def upper_bounds(buckets: Sequence[float]) -> tuple[float, ...]:
    """The buckets as ``prometheus_client.Histogram`` takes them: sorted, ``+Inf`` last."""
    bounds = [float(b) for b in buckets]
    if bounds != sorted(bounds):
        raise ValueError("Buckets not in sorted order")
    if bounds and bounds[-1] != INF:
        bounds.append(INF)
    if len(bounds) < 2:
        raise ValueError("Must have at least two buckets")
    return tuple(bounds)


@cache
def _le(bound: float) -> str:
    """A bucket's ``le`` label, as ``prometheus_client.Histogram`` writes it."""
    text: str = floatToGoString(bound)  # type: ignore[no-untyped-call]
    return text


#: Sizes below this find their bucket in a table, not by ``bisect`` (a C call
#: that compares through the generic protocol: 5 to 10 times a table lookup).
_SMALL = 4096


class _Histogram:
    """Observations per bucket (not cumulative; the last is ``+Inf``) and their sum.

    The bucket of an observation: for a size under ``_SMALL``, ``small[size]``;
    for a duration, the first when it fits (most do), else by ``bisect`` on
    ``search``, the finite bounds (as ``int`` for sizes: comparing an ``int``
    with a ``float`` costs twice as much). Sizes sum exactly, as an ``int``.
    """

    __slots__ = ("bounds", "counts", "created", "first", "search", "small", "sum")

    def __init__(self, bounds: tuple[float, ...], *, sizes: bool = False) -> None:
        self.bounds = bounds
        finite = bounds[:-1]
        self.first = finite[0] if finite else INF
        whole = sizes and all(b.is_integer() for b in finite)
        self.search: tuple[float, ...] = tuple(int(b) for b in finite) if whole else finite
        self.small: Sequence[int] = _small_table(self.search) if sizes else ()
        self.counts = [0] * len(bounds)
        self.sum: float = 0 if sizes else 0.0
        self.created = time()

    def add_size(self, size: int) -> None:
        self.counts[self.small[size] if size < _SMALL else bisect_left(self.search, size)] += 1
        self.sum += size

    def add_time(self, elapsed: float) -> None:
        self.counts[0 if elapsed <= self.first else bisect_left(self.search, elapsed)] += 1
        self.sum += elapsed


@cache
def _small_table(search: tuple[float, ...]) -> Sequence[int]:
    """The bucket of each size under ``_SMALL``; one table per set of buckets."""
    table = [bisect_left(search, size) for size in range(_SMALL)]
    return bytes(table) if len(search) < 256 else tuple(table)


class _Summed(NamedTuple):
    """Histograms added up: what ``_Families.histogram`` reads of one."""

    bounds: tuple[float, ...]
    sum: float
    created: float


class _Count:
    __slots__ = ("created", "value")

    def __init__(self) -> None:
        self.value = 0
        self.created = time()


class _Consume:
    """A subscriber's series. ``received`` is the size histogram's count,
    ``processed`` the duration histograms'; in process, the difference."""

    __slots__ = ("by_status", "labels", "more_done", "more_received", "size", "store")

    def __init__(self, store: InProcessMetrics, labels: Labels) -> None:
        self.store = store
        self.labels = labels
        self.size = _Histogram(store.size_bounds, sizes=True)
        self.by_status = {status: _Histogram(store.duration_bounds) for status in STATUSES}
        #: The messages of batches beyond one per size and duration, received and done.
        self.more_received = 0
        self.more_done = dict.fromkeys(STATUSES, 0)

    def receive(self, size: int, count: int = 1) -> None:
        self.size.add_size(size)
        if count != 1:
            self.more_received += count - 1

    def finish(self, status: str, elapsed: float, count: int = 1) -> None:
        self.by_status[status].add_time(elapsed)
        if count != 1:
            self.more_done[status] += count - 1

    def exception(self, name: str) -> None:
        self.store.count_exception(self.store.process_exceptions, (*self.labels, name))


class _Publish:
    """A publish label's series: its duration histogram counts successes and errors,
    one per publish; a batch's other messages are counted apart."""

    __slots__ = ("duration", "errors", "labels", "more_errors", "more_ok", "size", "store")

    def __init__(self, store: InProcessMetrics, labels: Labels) -> None:
        self.store = store
        self.labels = labels
        self.size = _Histogram(store.size_bounds, sizes=True)
        self.duration = _Histogram(store.duration_bounds)
        self.errors = 0
        #: The messages of batches beyond one per duration, published and failed.
        self.more_ok = 0
        self.more_errors = 0

    def sent(self, size: int) -> None:
        self.size.add_size(size)

    def succeeded(self, elapsed: float, count: int = 1) -> None:
        self.duration.add_time(elapsed)
        if count != 1:
            self.more_ok += count - 1

    def failed(self, elapsed: float, name: str, count: int = 1) -> None:
        self.duration.add_time(elapsed)
        self.errors += 1
        if count != 1:
            self.more_errors += count - 1
        self.store.count_exception(self.store.publish_exceptions, (*self.labels, name))


class InProcessMetrics(Collector):
    """Every series of one (registry, prefix), and the collector that exposes them."""

    def __init__(
        self, prefix: str, duration_buckets: Sequence[float], size_buckets: Sequence[float]
    ) -> None:
        self.prefix = prefix
        self.duration_bounds = upper_bounds(duration_buckets)
        self.size_bounds = upper_bounds(size_buckets)
        # Guards adding a series against a scrape's copy, not the updates.
        self._lock = threading.Lock()
        self._consume: dict[Labels, _Consume] = {}
        self._publish: dict[Labels, _Publish] = {}
        self.process_exceptions: dict[Labels, _Count] = {}
        self.publish_exceptions: dict[Labels, _Count] = {}

    def consume_series(self, app_name: str, broker: str, handler: str) -> _Consume:
        return self._series(self._consume, _Consume, (app_name, broker, handler))

    def publish_series(self, app_name: str, broker: str, destination: str) -> _Publish:
        return self._series(self._publish, _Publish, (app_name, broker, destination))

    def _series(
        self, table: dict[Labels, S], make: Callable[[InProcessMetrics, Labels], S], labels: Labels
    ) -> S:
        # Looked up once per subscriber and per publish label, not per message.
        with self._lock:
            series = table.get(labels)
            if series is None:
                series = table[labels] = make(self, labels)
            return series

    def count_exception(self, table: dict[Labels, _Count], labels: Labels) -> None:
        count = table.get(labels)
        if count is None:
            with self._lock:
                count = table.setdefault(labels, _Count())
        count.value += 1

    def describe(self) -> Iterator[Metric]:
        # The names, so that the registry refuses another metric by one of them.
        return iter(_Families(self.prefix, created=False).all())

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            consume = list(self._consume.values())
            publish = list(self._publish.values())
            process_exceptions = list(self.process_exceptions.items())
            publish_exceptions = list(self.publish_exceptions.items())
        # prometheus_client's own switch (PROMETHEUS_DISABLE_CREATED_SERIES).
        out = _Families(self.prefix, created=client_metrics._use_created)
        for c in consume:
            # Finished copied before received: a scrape from another thread
            # never sees more finished than received, nor a negative number in process.
            by_status = [(status, list(h.counts), h) for status, h in c.by_status.items()]
            done = dict(c.more_done)
            received = list(c.size.counts)
            more = c.more_received
            out.counter(out.received, c.labels, sum(received) + more, c.size.created)
            out.histogram(out.received_size, c.labels, c.size, received)
            # One duration histogram: the per-status ones added up.
            durations, total = [0] * len(self.duration_bounds), 0.0
            for status, counts, histogram in by_status:
                processed = sum(counts) + done[status]
                out.counter(out.processed, (*c.labels, status), processed, histogram.created)
                for i, count in enumerate(counts):
                    durations[i] += count
                total += histogram.sum
            duration = _Summed(self.duration_bounds, total, c.size.created)
            out.histogram(out.duration, c.labels, duration, durations)
            in_process = sum(received) + more - sum(durations) - sum(done.values())
            out.in_process.add_metric(c.labels, float(in_process))
        for labels, exc in process_exceptions:
            out.counter(out.process_exceptions, labels, exc.value, exc.created)
        for p in publish:
            errors = p.errors  # before the durations, which count it first
            ok, failed = p.more_ok, p.more_errors
            counts = list(p.duration.counts)
            created = p.duration.created
            out.counter(out.published, (*p.labels, "success"), sum(counts) - errors + ok, created)
            out.counter(out.published, (*p.labels, "error"), errors + failed, created)
            out.histogram(out.publish_duration, p.labels, p.duration, counts)
            out.histogram(out.published_size, p.labels, p.size, list(p.size.counts))
        for labels, exc in publish_exceptions:
            out.counter(out.publish_exceptions, labels, exc.value, exc.created)
        return iter(out.all())


class _Families:
    """One scrape's families, in the order of ``families.py`` (and of the multiprocess metrics)."""

    def __init__(self, prefix: str, *, created: bool) -> None:
        self.prefix = prefix
        self.created = created
        self._label_names: dict[str, tuple[str, ...]] = {}
        self.received = self._new(families.RECEIVED)
        self.received_size = self._new(families.RECEIVED_SIZE)
        self.in_process = GaugeMetricFamily(
            f"{prefix}_{families.IN_PROCESS.name}",
            families.IN_PROCESS.help,
            labels=families.IN_PROCESS.labels,
        )
        self.processed = self._new(families.PROCESSED)
        self.duration = self._new(families.DURATION)
        self.process_exceptions = self._new(families.PROCESS_EXCEPTIONS)
        self.published = self._new(families.PUBLISHED)
        self.publish_duration = self._new(families.PUBLISH_DURATION)
        self.publish_exceptions = self._new(families.PUBLISH_EXCEPTIONS)
        self.published_size = self._new(families.PUBLISHED_SIZE)

    def all(self) -> list[Metric]:
        return [
            self.received,
            self.received_size,
            self.in_process,
            self.processed,
            self.duration,
            self.process_exceptions,
            self.published,
            self.publish_duration,
            self.publish_exceptions,
            self.published_size,
        ]

    def _new(self, family: Family) -> Metric:
        name, labels = f"{self.prefix}_{family.name}", family.labels
        self._label_names[name] = labels
        if family.kind == "counter":
            return CounterMetricFamily(name, family.help, labels=labels)
        return HistogramMetricFamily(name, family.help, labels=labels)

    def counter(self, metric: Metric, labels: Labels, value: int, created: float) -> None:
        assert isinstance(metric, CounterMetricFamily)
        metric.add_metric(labels, float(value), created if self.created else None)

    def histogram(
        self, metric: Metric, labels: Labels, histogram: _Histogram | _Summed, counts: list[int]
    ) -> None:
        assert isinstance(metric, HistogramMetricFamily)
        cumulative, buckets = 0.0, []
        for bound, count in zip(histogram.bounds, counts, strict=True):
            cumulative += count
            buckets.append((_le(bound), cumulative))
        # The buckets alone; then what ``prometheus_client.Histogram`` adds: the
        # count, the sum unless a bucket is negative, the creation time.
        metric.add_metric(labels, buckets, None)
        name, series = metric.name, dict(zip(self._label_names[metric.name], labels, strict=True))
        metric.add_sample(f"{name}_count", series, cumulative)
        if histogram.bounds[0] >= 0:
            metric.add_sample(f"{name}_sum", series, float(histogram.sum))
        if self.created:
            metric.add_sample(f"{name}_created", series, histogram.created)

"""Prometheus metrics for every message consumed and published.

Labels stay bounded: the broker kind, the destination *as declared* (a
subscriber's name or pattern, never the concrete subject), a status and an
exception type. Message ids never become labels.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

from ..core.message import Envelope, StreamMessage
from ..core.middleware import CallNext, Middleware, PublishNext
from ..observability.labels import STATUSES, PublishLabels, broker_kind, status_of

if TYPE_CHECKING:
    from ..core.broker import Broker
    from ..core.subscriber import Subscriber

logger = logging.getLogger("faststream_fastapi")

#: Seconds: from 0.5 ms to a minute.
DURATION_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
)
#: Bytes: from 64 B to 16 MiB, by powers of four.
SIZE_BUCKETS = tuple(float(64 * 4**i) for i in range(10))


class _Metrics:
    """The collectors, registered once per (registry, prefix)."""

    def __init__(
        self,
        registry: CollectorRegistry,
        prefix: str,
        duration_buckets: Sequence[float],
        size_buckets: Sequence[float],
    ) -> None:
        sub = ("broker", "destination")
        kw: dict[str, Any] = {"registry": registry}
        self.received = Counter(
            f"{prefix}_received_messages", "Messages delivered to a subscriber.", sub, **kw
        )
        self.received_size = Histogram(
            f"{prefix}_received_messages_size_bytes",
            "Body size of received messages.",
            sub,
            buckets=size_buckets,
            **kw,
        )
        self.processed = Counter(
            f"{prefix}_processed_messages",
            "Messages processed, by settlement status.",
            (*sub, "status"),
            **kw,
        )
        self.duration = Histogram(
            f"{prefix}_processing_duration_seconds",
            "Time from delivery to the end of the handler (decode, dependencies, "
            "handler, publishing its result).",
            (*sub, "status"),
            buckets=duration_buckets,
            **kw,
        )
        self.in_flight = Gauge(
            f"{prefix}_messages_in_flight", "Messages being processed now.", sub, **kw
        )
        self.exceptions = Counter(
            f"{prefix}_exceptions",
            "Exceptions raised while processing or publishing, by type.",
            (*sub, "operation", "exception_type"),
            **kw,
        )
        self.published = Counter(
            f"{prefix}_published_messages",
            "Messages published, by outcome.",
            (*sub, "status"),
            **kw,
        )
        self.publish_duration = Histogram(
            f"{prefix}_publish_duration_seconds",
            "Time to publish one message.",
            sub,
            buckets=duration_buckets,
            **kw,
        )
        self.published_size = Histogram(
            f"{prefix}_published_messages_size_bytes",
            "Body size of published messages.",
            sub,
            buckets=size_buckets,
            **kw,
        )


_registered: weakref.WeakKeyDictionary[CollectorRegistry, dict[str, _Metrics]] = (
    weakref.WeakKeyDictionary()
)


def _metrics_for(
    registry: CollectorRegistry,
    prefix: str,
    duration_buckets: Sequence[float],
    size_buckets: Sequence[float],
) -> _Metrics:
    # Two brokers of one app may share a registry: same collectors, told apart
    # by the ``broker`` label, instead of a duplicate-registration error.
    by_prefix = _registered.setdefault(registry, {})
    metrics = by_prefix.get(prefix)
    if metrics is None:
        metrics = by_prefix[prefix] = _Metrics(registry, prefix, duration_buckets, size_buckets)
    return metrics


class PrometheusMiddleware(Middleware):
    """Counts, sizes and times every message a broker consumes and publishes.

    ``RedisBroker(middlewares=[PrometheusMiddleware(registry=registry)])``, then
    serve ``prometheus_client.make_asgi_app(registry)`` at ``/metrics``.

    A publish is labelled with the declared pattern of a subscriber of the
    broker its destination matches (``orders.123`` → ``orders.{id}``), else
    with its destination, up to ``max_destinations`` distinct ones, then
    ``"other"``; replies are ``"reply"``. ``destination_label`` replaces that
    rule (``lambda d: d.rsplit(".", 1)[0]``) for per-entity destinations no
    subscriber here declares.
    """

    def __init__(
        self,
        *,
        registry: CollectorRegistry | None = None,
        prefix: str = "faststream",
        duration_buckets: Sequence[float] = DURATION_BUCKETS,
        size_buckets: Sequence[float] = SIZE_BUCKETS,
        destination_label: Callable[[str], str] | None = None,
        max_destinations: int = 100,
    ) -> None:
        self.registry = REGISTRY if registry is None else registry
        self.metrics = _metrics_for(self.registry, prefix, duration_buckets, size_buckets)
        self.destination_label = destination_label
        self.max_destinations = max_destinations

    def for_subscriber(self, subscriber: Subscriber) -> Middleware:
        return _SubscriberMetrics(self.metrics, subscriber)

    def for_broker(self, broker: Broker) -> Middleware:
        return _PublishMetrics(self, broker)


class _SubscriberMetrics(Middleware):
    """Bound to one subscriber: its label children are looked up once."""

    __slots__ = (
        "_by_status",
        "_exceptions",
        "_in_flight",
        "_labels",
        "_received",
        "_size",
        "m",
        "sub",
    )

    def __init__(self, metrics: _Metrics, subscriber: Subscriber) -> None:
        self.m = metrics
        self.sub = subscriber
        # Bound on the first message: a pipeline is also built at registration,
        # before a router include may still rename the subscriber.
        self._labels: tuple[str, str] | None = None

    def _bind(self) -> tuple[str, str]:
        metrics, sub = self.m, self.sub
        labels = self._labels = (broker_kind(sub.broker), sub.name)
        self._received = metrics.received.labels(*labels)
        self._size = metrics.received_size.labels(*labels)
        self._in_flight = metrics.in_flight.labels(*labels)
        self._by_status = {
            status: (
                metrics.processed.labels(*labels, status),
                metrics.duration.labels(*labels, status),
            )
            for status in STATUSES
        }
        self._exceptions: dict[str, Counter] = {}
        return labels

    async def consume(self, message: StreamMessage, call_next: CallNext) -> Any:
        if self._labels is None:
            self._bind()
        self._received.inc()
        self._size.observe(len(message.body))
        in_flight = self._in_flight
        in_flight.inc()
        error: Exception | None = None
        start = time.perf_counter()
        try:
            return await call_next(message)
        except Exception as exc:
            error = exc
            self._count_exception(exc)
            raise
        finally:
            elapsed = time.perf_counter() - start
            in_flight.dec()
            counter, histogram = self._by_status[status_of(message, self.sub.ack_policy, error)]
            counter.inc()
            histogram.observe(elapsed)

    def _count_exception(self, exc: Exception) -> None:
        name = type(exc).__name__
        child = self._exceptions.get(name)
        if child is None:
            labels = self._labels or self._bind()
            child = self._exceptions[name] = self.m.exceptions.labels(*labels, "process", name)
        child.inc()


class _PublishMetrics(Middleware):
    """Bound to one broker: label children cached per destination label."""

    __slots__ = ("_children", "_kind", "_label", "m")

    def __init__(self, owner: PrometheusMiddleware, broker: Broker) -> None:
        self.m = owner.metrics
        self._kind = broker_kind(broker)
        self._label = PublishLabels(broker, owner.destination_label, owner.max_destinations)
        self._children: dict[str, tuple[Counter, Counter, Histogram, Histogram]] = {}

    def _for(self, label: str) -> tuple[Counter, Counter, Histogram, Histogram]:
        children = self._children.get(label)
        if children is None:
            m, kind = self.m, self._kind
            children = self._children[label] = (
                m.published.labels(kind, label, "success"),
                m.published.labels(kind, label, "error"),
                m.publish_duration.labels(kind, label),
                m.published_size.labels(kind, label),
            )
        return children

    async def publish(self, envelope: Envelope, call_next: PublishNext) -> Any:
        label = self._label(envelope)
        ok, failed, duration, size = self._for(label)
        size.observe(len(envelope.body))
        start = time.perf_counter()
        try:
            result = await call_next(envelope)
        except Exception as exc:
            duration.observe(time.perf_counter() - start)
            failed.inc()
            self.m.exceptions.labels(self._kind, label, "publish", type(exc).__name__).inc()
            raise
        duration.observe(time.perf_counter() - start)
        ok.inc()
        return result

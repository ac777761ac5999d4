"""Prometheus metrics for every message consumed and published.

Labels stay bounded: the broker kind, the destination *as declared* (a
subscriber's name or pattern, never the concrete subject), a status and an
exception type. Message ids never become labels.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Sequence
from time import perf_counter
from typing import TYPE_CHECKING, Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

from ..core.ack import AckPolicy
from ..core.message import Envelope, StreamMessage
from ..core.middleware import CallNext, Middleware, PublishNext
from ..observability.labels import (
    REPLY,
    SETTLED_STATUS,
    STATUSES,
    PublishLabels,
    broker_kind,
    is_reply,
    status_of,
)
from .multiprocess import check_not_merging

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
            f"{prefix}_messages_in_flight",
            "Messages being processed now.",
            sub,
            # Under PROMETHEUS_MULTIPROC_DIR: one series, the sum over live workers.
            multiprocess_mode="livesum",
            **kw,
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
        check_not_merging(self.registry)
        self.metrics = _metrics_for(self.registry, prefix, duration_buckets, size_buckets)
        self.destination_label = destination_label
        self.max_destinations = max_destinations

    def for_subscriber(self, subscriber: Subscriber) -> Middleware:
        return _SubscriberMetrics(self.metrics, subscriber)

    def for_broker(self, broker: Broker) -> Middleware:
        return _PublishMetrics(self, broker)


#: What one subscriber's messages update, looked up once: ``received``,
#: ``received_size``, ``in_flight``, then (``processed``, ``duration``) for
#: the status of a message that succeeded without settling itself, and by status.
_Outcome = tuple[Counter, Histogram]
_Bound = tuple[Counter, Histogram, Gauge, _Outcome, dict[str, _Outcome]]


class _SubscriberMetrics(Middleware):
    """Bound to one subscriber: its label children are looked up once."""

    __slots__ = ("_bound", "_exceptions", "_labels", "m", "sub")

    def __init__(self, metrics: _Metrics, subscriber: Subscriber) -> None:
        self.m = metrics
        self.sub = subscriber
        # Bound on the first message: a pipeline is also built at registration,
        # before a router include may still rename the subscriber.
        self._bound: _Bound | None = None
        self._labels: tuple[str, str] = ("", "")
        self._exceptions: dict[str, Counter] = {}

    def _bind(self) -> _Bound:
        metrics, sub = self.m, self.sub
        labels = self._labels = (broker_kind(sub.broker), sub.name)
        by_status = {
            status: (
                metrics.processed.labels(*labels, status),
                metrics.duration.labels(*labels, status),
            )
            for status in STATUSES
        }
        done = by_status["unsettled" if sub.ack_policy is AckPolicy.MANUAL else "acked"]
        self._bound = bound = (
            metrics.received.labels(*labels),
            metrics.received_size.labels(*labels),
            metrics.in_flight.labels(*labels),
            done,
            by_status,
        )
        return bound

    async def consume(self, message: StreamMessage, call_next: CallNext) -> Any:
        received, size, in_flight, done, by_status = self._bound or self._bind()
        received.inc()
        size.observe(len(message.body))
        in_flight.inc()
        start = perf_counter()
        try:
            result = await call_next(message)
        except Exception as exc:
            elapsed = perf_counter() - start
            in_flight.dec()
            self._count_exception(exc)
            counter, histogram = by_status[status_of(message, self.sub.ack_policy, exc)]
            counter.inc()
            histogram.observe(elapsed)
            raise
        except BaseException as exc:  # cancelled (shutdown): the broker keeps the message
            in_flight.dec()
            counter, histogram = by_status[status_of(message, self.sub.ack_policy, exc)]
            counter.inc()
            histogram.observe(perf_counter() - start)
            raise
        elapsed = perf_counter() - start
        in_flight.dec()
        # A settlement the handler made (or ACK_FIRST) wins; else the policy's.
        settled = message.settled
        counter, histogram = by_status[SETTLED_STATUS[settled]] if settled else done
        counter.inc()
        histogram.observe(elapsed)
        return result

    def _count_exception(self, exc: Exception) -> None:
        name = type(exc).__name__
        child = self._exceptions.get(name)
        if child is None:
            if self._bound is None:
                self._bind()
            child = self._exceptions[name] = self.m.exceptions.labels(
                *self._labels, "process", name
            )
        child.inc()


#: A publish destination's children: ``published`` (success, error),
#: ``publish_duration``, ``published_size``, and its label (for exceptions).
_PublishChildren = tuple[Counter, Counter, Histogram, Histogram, str]
_CACHE_LIMIT = 10_000


class _PublishMetrics(Middleware):
    """Bound to one broker: label children cached per destination."""

    __slots__ = ("_by_destination", "_by_label", "_kind", "_label", "m")

    def __init__(self, owner: PrometheusMiddleware, broker: Broker) -> None:
        self.m = owner.metrics
        self._kind = broker_kind(broker)
        self._label = PublishLabels(broker, owner.destination_label, owner.max_destinations)
        self._by_label: dict[str, _PublishChildren] = {}
        self._by_destination: dict[str, _PublishChildren] = {}

    def _for_label(self, label: str) -> _PublishChildren:
        children = self._by_label.get(label)
        if children is None:
            m, kind = self.m, self._kind
            children = self._by_label[label] = (
                m.published.labels(kind, label, "success"),
                m.published.labels(kind, label, "error"),
                m.publish_duration.labels(kind, label),
                m.published_size.labels(kind, label),
                label,
            )
        return children

    def _for(self, envelope: Envelope) -> _PublishChildren:
        if is_reply(envelope):  # before the cache: reply-to inboxes are per requester
            return self._for_label(REPLY)
        destination = envelope.destination
        children = self._by_destination.get(destination)
        if children is None:
            children = self._for_label(self._label.of_destination(destination))
            if len(self._by_destination) < _CACHE_LIMIT:
                self._by_destination[destination] = children
        return children

    async def publish(self, envelope: Envelope, call_next: PublishNext) -> Any:
        ok, failed, duration, size, label = self._for(envelope)
        size.observe(len(envelope.body))
        start = perf_counter()
        try:
            result = await call_next(envelope)
        except Exception as exc:
            duration.observe(perf_counter() - start)
            failed.inc()
            self.m.exceptions.labels(self._kind, label, "publish", type(exc).__name__).inc()
            raise
        duration.observe(perf_counter() - start)
        ok.inc()
        return result

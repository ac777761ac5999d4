"""Prometheus metrics for every message consumed and published.

The families and labels are FastStream 0.5's (``families.py``). Labels stay
bounded: the application, the broker's messaging system, the handler or
destination *as declared* (a subscriber's name or pattern, never the concrete
subject), a status and an exception type. Message ids never become labels.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Sequence
from time import perf_counter
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry

from ..core.ack import AckPolicy
from ..core.control import IgnoredException
from ..core.message import Envelope, EnvelopeBatch, StreamMessage
from ..core.middleware import (
    BatchNext,
    BrokerView,
    CallNext,
    Middleware,
    PublishNext,
    SubscriberView,
)
from ..observability.labels import (
    RABBITMQ,
    REPLY,
    SETTLED_STATUS,
    PublishLabels,
    handler_label,
    is_reply,
    messaging_system,
    status_of,
)
from .inprocess import InProcessMetrics
from .multiprocess import ClientMetrics, check_not_merging, multiprocess_mode
from .series import ConsumeSeries, PublishSeries, Store

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


_registered: weakref.WeakKeyDictionary[CollectorRegistry, dict[str, Store]] = (
    weakref.WeakKeyDictionary()
)


def _store_for(
    registry: CollectorRegistry,
    prefix: str,
    duration_buckets: Sequence[float],
    size_buckets: Sequence[float],
) -> Store:
    # Two brokers of one app may share a registry: same series store, told apart
    # by the ``broker`` label, instead of a duplicate-registration error.
    by_prefix = _registered.setdefault(registry, {})
    store = by_prefix.get(prefix)
    if store is None:
        if multiprocess_mode():
            store = ClientMetrics(registry, prefix, duration_buckets, size_buckets)
        else:
            collector = InProcessMetrics(prefix, duration_buckets, size_buckets)
            registry.register(collector)
            store = collector
        by_prefix[prefix] = store
    return store


class PrometheusMiddleware(Middleware):
    """Counts, sizes and times every message a broker consumes and publishes.

    ``RedisBroker(middlewares=[PrometheusMiddleware(registry=registry)])``, then
    serve ``prometheus_client.make_asgi_app(registry)`` at ``/metrics``. The
    families are ``<prefix>_received_messages_total`` and the others of
    FastStream 0.5, labelled ``app_name`` (default: the prefix), ``broker``
    (the messaging system: ``kafka``, ``rabbitmq``, ``nats``, ``redis``) and
    ``handler`` or ``destination``.

    A publish is labelled with the declared pattern of a subscriber of the
    broker its destination matches (``orders.123`` → ``orders.{id}``), else
    with its destination, up to ``max_destinations`` distinct ones, then
    ``"other"``; replies are ``"reply"``. ``destination_label`` replaces that
    rule (``lambda d: d.rsplit(".", 1)[0]``) for per-entity destinations no
    subscriber here declares.

    In one process the values are plain counts read at scrape time (about a
    microsecond per message); under ``PROMETHEUS_MULTIPROC_DIR``, at
    construction, ``prometheus_client`` metrics that write the shared files.
    """

    def __init__(
        self,
        *,
        registry: CollectorRegistry | None = None,
        prefix: str = "faststream",
        app_name: str | None = None,
        duration_buckets: Sequence[float] = DURATION_BUCKETS,
        size_buckets: Sequence[float] = SIZE_BUCKETS,
        destination_label: Callable[[str], str] | None = None,
        max_destinations: int = 100,
    ) -> None:
        self.registry = REGISTRY if registry is None else registry
        check_not_merging(self.registry)
        # Chosen once: plain counts in one process, file-backed metrics in several.
        self.metrics = _store_for(self.registry, prefix, duration_buckets, size_buckets)
        self.app_name = prefix if app_name is None else app_name
        self.destination_label = destination_label
        self.max_destinations = max_destinations

    def for_subscriber(self, subscriber: SubscriberView) -> Middleware:
        return _SubscriberMetrics(self.metrics, self.app_name, subscriber)

    def for_broker(self, broker: BrokerView) -> Middleware:
        return _PublishMetrics(self, broker)


class _SubscriberMetrics(Middleware):
    """Bound to one subscriber: its series is looked up once."""

    __slots__ = ("_batch", "_done", "_series", "app_name", "store", "sub")

    def __init__(self, store: Store, app_name: str, subscriber: SubscriberView) -> None:
        self.store = store
        self.app_name = app_name
        self.sub = subscriber
        # Bound on the first message: a pipeline is also built at registration,
        # before a router include may still rename the subscriber.
        self._series: ConsumeSeries | None = None
        self._done = "acked"
        #: A batch subscriber's: its messages are counted, each batch sized and timed once.
        self._batch = False

    def _bind(self, message: StreamMessage) -> ConsumeSeries:
        sub = self.sub
        # Every message of a batch subscriber is a batch (of one, at least).
        self._batch = bool(message.batch_headers)
        # The status of a message that succeeded without settling itself.
        self._done = "unsettled" if sub.ack_policy is AckPolicy.MANUAL else "acked"
        system = messaging_system(sub.broker)
        series = self._series = self.store.consume_series(self.app_name, system, handler_label(sub))
        return series

    async def consume(self, message: StreamMessage, call_next: CallNext) -> Any:
        series = self._series or self._bind(message)
        if self._batch:
            return await self._consume_batch(series, message, call_next)
        series.receive(len(message.body))
        start = perf_counter()
        try:
            result = await call_next(message)
        except Exception as exc:
            elapsed = perf_counter() - start
            if not isinstance(exc, IgnoredException):  # Ack/Nack/Reject/SkipMessage: no error
                series.exception(type(exc).__name__)
            series.finish(status_of(message, self.sub.ack_policy, exc), elapsed)
            raise
        except BaseException as exc:  # cancelled (shutdown): the broker keeps the message
            series.finish(status_of(message, self.sub.ack_policy, exc), perf_counter() - start)
            raise
        elapsed = perf_counter() - start
        # A settlement the handler made (or ACK_FIRST) wins; else the policy's.
        settled = message.settled
        series.finish(SETTLED_STATUS[settled] if settled else self._done, elapsed)
        return result

    async def _consume_batch(
        self, series: ConsumeSeries, message: StreamMessage, call_next: CallNext
    ) -> Any:
        # FastStream 0.5's: each message of the batch counted, the batch sized and timed once.
        count = len(message.batch_headers)
        series.receive(len(message.body), count)
        start = perf_counter()
        try:
            result = await call_next(message)
        except BaseException as exc:
            if isinstance(exc, Exception) and not isinstance(exc, IgnoredException):
                series.exception(type(exc).__name__)
            status = status_of(message, self.sub.ack_policy, exc)
            series.finish(status, perf_counter() - start, count)
            raise
        settled = message.settled
        status = SETTLED_STATUS[settled] if settled else self._done
        series.finish(status, perf_counter() - start, count)
        return result


_CACHE_LIMIT = 10_000


class _PublishMetrics(Middleware):
    """Bound to one broker: series cached per destination."""

    __slots__ = ("_app", "_by_destination", "_by_label", "_for", "_kind", "_label", "store")

    def __init__(self, owner: PrometheusMiddleware, broker: BrokerView) -> None:
        self.store = owner.metrics
        self._app = owner.app_name
        self._kind = messaging_system(broker)
        self._label = PublishLabels(broker, owner.destination_label, owner.max_destinations)
        self._by_label: dict[str, PublishSeries] = {}
        self._by_destination: dict[str, PublishSeries] = {}
        # Chosen once: RabbitMQ's label names the exchange too (``default.orders``).
        self._for = self._for_exchange if self._kind == RABBITMQ else self._for_destination

    def _for_label(self, label: str) -> PublishSeries:
        series = self._by_label.get(label)
        if series is None:
            series = self._by_label[label] = self.store.publish_series(self._app, self._kind, label)
        return series

    def _for_exchange(self, envelope: Envelope) -> PublishSeries:
        if is_reply(envelope):
            return self._for_label(REPLY)
        exchange = envelope.options.get("exchange")
        return self._for_label(self._label.of_exchange(exchange, envelope.destination))

    def _for_destination(self, envelope: Envelope) -> PublishSeries:
        if is_reply(envelope):  # before the cache: reply-to inboxes are per requester
            return self._for_label(REPLY)
        destination = envelope.destination
        series = self._by_destination.get(destination)
        if series is None:
            series = self._for_label(self._label.of_destination(destination))
            if len(self._by_destination) < _CACHE_LIMIT:
                self._by_destination[destination] = series
        return series

    async def publish(self, envelope: Envelope, call_next: PublishNext) -> Any:
        series = self._for(envelope)
        series.sent(len(envelope.body))
        start = perf_counter()
        try:
            result = await call_next(envelope)
        except Exception as exc:
            series.failed(perf_counter() - start, type(exc).__name__)
            raise
        series.succeeded(perf_counter() - start)
        return result

    async def publish_batch(self, batch: EnvelopeBatch, call_next: BatchNext) -> list[Any]:
        # FastStream 0.5's: one duration for the batch, its messages counted.
        envelopes = batch.envelopes
        if not envelopes:
            return await call_next(batch)
        series = self._for(envelopes[0])
        for envelope in envelopes:
            series.sent(len(envelope.body))
        count = len(envelopes)
        start = perf_counter()
        try:
            result = await call_next(batch)
        except Exception as exc:
            series.failed(perf_counter() - start, type(exc).__name__, count)
            raise
        series.succeeded(perf_counter() - start, count)
        return result

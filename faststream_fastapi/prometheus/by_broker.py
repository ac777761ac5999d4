"""``PrometheusMiddleware`` as FastStream 0.5's ``<Broker>PrometheusMiddleware`` is made.

``faststream_fastapi.kafka.prometheus.KafkaPrometheusMiddleware`` and its
siblings take 0.5's keywords and default buckets, so that an application
moved from FastStream keeps its metrics, bucket bounds included.
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Histogram

from .middleware import PrometheusMiddleware

#: FastStream 0.5's size buckets: 16 B to 16 MiB by powers of four.
BROKER_SIZE_BUCKETS = tuple(2.0**n for n in range(4, 25, 2))
#: FastStream 0.5's duration buckets: ``prometheus_client``'s defaults.
BROKER_DURATION_BUCKETS = tuple(Histogram.DEFAULT_BUCKETS)


class BrokerPrometheusMiddleware(PrometheusMiddleware):
    """Counts, sizes and times messages; FastStream 0.5's constructor.

    ``app_name`` (label) defaults to ``metrics_prefix`` (the families'
    prefix, ``faststream``); ``received_messages_size_buckets`` to 0.5's.
    Durations use ``prometheus_client``'s default buckets, as 0.5's do.
    ``registry`` defaults to ``prometheus_client``'s default one.
    """

    def __init__(
        self,
        *,
        registry: CollectorRegistry | None = None,
        app_name: str | None = None,
        metrics_prefix: str = "faststream",
        received_messages_size_buckets: Sequence[float] | None = None,
    ) -> None:
        super().__init__(
            registry=registry,
            prefix=metrics_prefix,
            app_name=app_name,
            duration_buckets=BROKER_DURATION_BUCKETS,
            size_buckets=received_messages_size_buckets or BROKER_SIZE_BUCKETS,
        )

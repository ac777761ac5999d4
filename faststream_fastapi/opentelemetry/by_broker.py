"""``TelemetryMiddleware`` as FastStream 0.5's ``<Broker>TelemetryMiddleware`` is made.

``faststream_fastapi.kafka.opentelemetry.KafkaTelemetryMiddleware`` and its
siblings take 0.5's keywords; with ``meter_provider`` or ``meter`` they
record 0.5's OpenTelemetry metrics, message counters included where 0.5
has them (every broker but RabbitMQ).
"""

from __future__ import annotations

from typing import Any, ClassVar

from opentelemetry.metrics import Meter, MeterProvider
from opentelemetry.trace import TracerProvider

from .middleware import TelemetryMiddleware


class BrokerTelemetryMiddleware(TelemetryMiddleware):
    """Traces consuming and publishing; FastStream 0.5's constructor.

    Other ``TelemetryMiddleware`` keywords (``propagator``,
    ``destination_label``, ``max_destinations``) are taken too.
    """

    #: Whether ``messaging.process.messages`` / ``messaging.publish.messages`` are counted.
    counters: ClassVar[bool] = True

    def __init__(
        self,
        *,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        meter: Meter | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
            meter=meter,
            include_messages_counters=self.counters,
            **options,
        )

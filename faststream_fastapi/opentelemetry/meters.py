"""OpenTelemetry metrics of consuming and publishing, as FastStream 0.5 records them.

``messaging.process.duration`` and ``messaging.publish.duration`` (seconds),
and with ``counters`` ``messaging.process.messages`` and
``messaging.publish.messages``. Kept only when a meter provider or a meter is
given: without one, no message pays for timing.
"""

from __future__ import annotations

from collections.abc import Mapping
from time import perf_counter
from typing import Any

from opentelemetry.metrics import Counter, Histogram, Meter, MeterProvider

from .attributes import ERROR_TYPE

METER_NAME = "faststream_fastapi"


class Meters:
    """The instruments of one middleware."""

    __slots__ = ("process_duration", "process_messages", "publish_duration", "publish_messages")

    def __init__(self, meter: Meter, *, counters: bool) -> None:
        self.process_duration: Histogram = meter.create_histogram(
            "messaging.process.duration", unit="s", description="Duration of processing."
        )
        self.publish_duration: Histogram = meter.create_histogram(
            "messaging.publish.duration", unit="s", description="Duration of publishing."
        )
        self.process_messages: Counter | None = None
        self.publish_messages: Counter | None = None
        if counters:
            self.process_messages = meter.create_counter(
                "messaging.process.messages", unit="message", description="Messages processed."
            )
            self.publish_messages = meter.create_counter(
                "messaging.publish.messages", unit="message", description="Messages published."
            )

    @classmethod
    def of(
        cls, provider: MeterProvider | None, meter: Meter | None, *, counters: bool
    ) -> Meters | None:
        """The instruments on ``meter``, else on ``provider``'s meter; ``None`` without either."""
        if meter is None:
            if provider is None:
                return None
            meter = provider.get_meter(METER_NAME)
        return cls(meter, counters=counters)


class Timing:
    """One operation timed, as ``with Timing(...):``: its exit records the duration
    (and ``count`` messages), with the error type of what it raised."""

    __slots__ = ("attributes", "count", "counter", "histogram", "start")

    def __init__(
        self,
        histogram: Histogram,
        counter: Counter | None,
        attributes: Mapping[str, Any],
        count: int = 1,
    ) -> None:
        self.histogram = histogram
        self.counter = counter
        self.attributes = attributes
        self.count = count
        self.start = perf_counter()

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: BaseException | None, tb: Any) -> None:
        elapsed = perf_counter() - self.start
        attributes = self.attributes
        if self.counter is not None:
            self.counter.add(self.count, attributes)
        if error is not None:
            attributes = {**attributes, ERROR_TYPE: type(error).__name__}
        self.histogram.record(elapsed, attributes)

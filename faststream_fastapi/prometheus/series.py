"""What the middleware updates per message, whichever way the values are kept.

A store hands out one series object per label set, looked up once per
subscriber or publish destination; per message the middleware calls two or
three methods on it. ``inprocess.py`` and ``multiprocess.py`` implement them.
"""

from __future__ import annotations

from typing import Protocol


class ConsumeSeries(Protocol):
    """One subscriber's series: ``received``, sizes, in process, outcomes, exceptions."""

    def receive(self, size: int, count: int = 1) -> None:
        """A message of ``size`` bytes arrived (a batch: ``count`` messages, sized once):
        counted, sized, now in process."""

    def finish(self, status: str, elapsed: float, count: int = 1) -> None:
        """It left: out of process, processed (``count`` messages) with ``status`` in
        ``elapsed`` seconds."""

    def exception(self, name: str) -> None:
        """Its handling raised an exception of the type named ``name``."""


class PublishSeries(Protocol):
    """One publish label's series: sizes, outcomes, durations, exceptions."""

    def sent(self, size: int) -> None:
        """A message of ``size`` bytes is being published."""

    def succeeded(self, elapsed: float, count: int = 1) -> None:
        """It (``count`` messages sent together) was published in ``elapsed`` seconds."""

    def failed(self, elapsed: float, name: str, count: int = 1) -> None:
        """Publishing it (``count`` messages) raised an exception of the type named ``name``."""


class Store(Protocol):
    """Every series of one (registry, prefix); shared by the brokers using both."""

    def consume_series(self, app_name: str, broker: str, handler: str) -> ConsumeSeries:
        """The series of a subscriber; its per-status series all exist from now on."""

    def publish_series(self, app_name: str, broker: str, destination: str) -> PublishSeries:
        """The series of a publish label; its success and error series exist from now on."""

"""Back-off for retrying a broker's start.

``start_retry=Backoff()`` on an app or a FastAPI router lets the lifespan
complete while the broker is unreachable: the service answers HTTP, reports
not ready, and a background task keeps trying (``Broker.start_or_retry``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import SetupError


@dataclass(frozen=True)
class Backoff:
    """Exponential delays: ``initial``, ``initial * factor``, ... capped at ``max`` seconds.

    Each delay is shortened at random by up to ``jitter`` (a fraction), so that
    many replicas restarted together do not all knock at the same moment.
    """

    initial: float = 0.5
    max: float = 30.0
    factor: float = 2.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if not 0 < self.initial <= self.max:
            raise SetupError(f"Backoff needs 0 < initial <= max, not {self.initial}, {self.max}")
        if self.factor < 1:
            raise SetupError(f"Backoff factor must be at least 1, not {self.factor}")
        if not 0 <= self.jitter < 1:
            raise SetupError(f"Backoff jitter is a fraction in [0, 1), not {self.jitter}")

    def delays(self) -> Iterator[float]:
        """The delay before each next attempt, for ever."""
        delay = self.initial
        while True:
            yield delay * (1 - self.jitter * random.random())
            delay = min(self.max, delay * self.factor)

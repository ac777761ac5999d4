"""What a Redis subscriber reads from or a publisher writes to."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class PubSub:
    """A pub/sub channel; ``{name}`` parts make it a pattern (``PSUBSCRIBE``).

    At-most-once: a message published while nobody listens is gone.
    """

    channel: str
    pattern: bool = False

    @property
    def name(self) -> str:
        return self.channel

    def with_prefix(self, prefix: str) -> PubSub:
        return replace(self, channel=prefix + self.channel)


@dataclass(frozen=True)
class ListSub:
    """A list used as a queue: ``RPUSH`` to publish, ``LPOP``/``BLPOP`` to consume.

    Up to ``max_records`` waiting messages are fetched per round trip.
    At-most-once: a popped message is gone from Redis.
    """

    list: str
    max_records: int = 100
    polling_interval: float = 1.0

    @property
    def name(self) -> str:
        return self.list

    def with_prefix(self, prefix: str) -> ListSub:
        return replace(self, list=prefix + self.list)


@dataclass(frozen=True)
class StreamSub:
    """A stream. With ``group``, a consumer group: ``XACK`` after success,
    pending entries idle for ``min_idle_time`` ms re-claimed (at-least-once).
    Without a group, new entries are read from ``last_id`` (default: new only).
    """

    stream: str
    group: str | None = None
    consumer: str | None = None
    max_records: int = 100
    polling_interval: float = 1.0
    last_id: str = "$"
    min_idle_time: int = 30_000
    maxlen: int | None = None

    @property
    def name(self) -> str:
        return self.stream

    def with_prefix(self, prefix: str) -> StreamSub:
        return replace(self, stream=prefix + self.stream)


RedisSpec = PubSub | ListSub | StreamSub

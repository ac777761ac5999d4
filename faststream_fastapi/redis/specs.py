"""What a Redis subscriber reads from or a publisher writes to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.errors import SetupError
from ..core.paths import PathPattern
from ..core.spec import CUSTOM_VERSION, Bindings, Channels, NamedSpec

# Redis has no official AsyncAPI channel or operation binding yet: the objects
# below say ``"bindingVersion": "custom"``.


def _channels(name: str, binding: dict[str, Any]) -> Channels:
    binding = {"channel": name, **binding, "bindingVersion": CUSTOM_VERSION}
    return [(name, Bindings(channel={"redis": binding}))]


@dataclass(frozen=True)
class PubSub(NamedSpec):
    """A pub/sub channel; ``{name}`` parts make it a pattern (``PSUBSCRIBE``).

    At-most-once: a message published while nobody listens is gone.
    """

    named_by = "channel"

    channel: str
    pattern: bool = False

    def asyncapi_channels(self, *, receive: bool, vhost: str | None = None) -> Channels:
        method = ("psubscribe" if self.pattern else "subscribe") if receive else "publish"
        return _channels(self.name, {"method": method})

    def asyncapi_legacy_channels(self, *, receive: bool, vhost: str | None = None) -> Channels:
        """FastStream 0.5's form (2.6.0 documents): a pattern as the glob subscribed to."""
        method = ("psubscribe" if self.pattern else "subscribe") if receive else "publish"
        name = PathPattern(self.name).subscription if self.pattern else self.name
        return _channels(name, {"method": method})


@dataclass(frozen=True)
class ListSub(NamedSpec):
    """A list used as a queue: ``RPUSH`` to publish, ``LPOP``/``BLPOP`` to consume.

    Up to ``max_records`` waiting messages are fetched per round trip;
    ``batch=True`` hands them to the handler as one list.
    At-most-once: a popped message is gone from Redis.
    """

    named_by = "list"

    list: str
    max_records: int = 100
    polling_interval: float = 1.0
    batch: bool = False

    def asyncapi_channels(self, *, receive: bool, vhost: str | None = None) -> Channels:
        return _channels(self.name, {"method": "lpop" if receive else "rpush"})


@dataclass(frozen=True)
class StreamSub(NamedSpec):
    """A stream. With ``group``, a consumer group: ``XACK`` after success,
    pending entries idle for ``min_idle_time`` ms re-claimed (at-least-once).
    Without a group, new entries are read from ``last_id`` (default: new only).
    ``consumer`` names this subscriber in its group (default: host, process and a
    number, one name per subscriber); given without ``group`` it is a ``SetupError``.
    ``batch=True`` hands each read's entries (up to ``max_records``) to the
    handler as one list, settled together.
    """

    named_by = "stream"

    stream: str
    group: str | None = None
    consumer: str | None = None
    max_records: int = 100
    polling_interval: float = 1.0
    last_id: str = "$"
    min_idle_time: int = 30_000
    maxlen: int | None = None
    batch: bool = False

    def __post_init__(self) -> None:
        if self.consumer is not None and self.group is None:
            # A consumer name means something only in a group: without one it would
            # be dropped silently and every subscriber would read every entry.
            raise SetupError(f"StreamSub({self.stream!r}): consumer= needs group=")

    def asyncapi_channels(self, *, receive: bool, vhost: str | None = None) -> Channels:
        if not receive:
            sent: dict[str, Any] = {"method": "xadd"}
            if self.maxlen is not None:
                sent["maxlen"] = self.maxlen
            return _channels(self.name, sent)
        if not self.group:
            return _channels(self.name, {"method": "xread"})
        read = {"method": "xreadgroup", "groupName": self.group}
        if self.consumer:
            read["consumerName"] = self.consumer
        return _channels(self.name, read)

    def asyncapi_legacy_channels(self, *, receive: bool, vhost: str | None = None) -> Channels:
        """FastStream 0.5's form (2.6.0 documents): its binding's keys in snake case."""
        ((name, bindings),) = self.asyncapi_channels(receive=receive, vhost=vhost)
        binding = bindings.channel["redis"]
        for camel, snake in (("groupName", "group_name"), ("consumerName", "consumer_name")):
            if camel in binding:
                binding[snake] = binding.pop(camel)
        return [(name, bindings)]


RedisSpec = PubSub | ListSub | StreamSub

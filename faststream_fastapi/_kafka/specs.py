"""What a Kafka subscriber reads and a publisher writes, for both client libraries."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Literal

from ..core.paths import PathPattern, has_params
from ..core.spec import Bindings, Channels, NamedSpec

OffsetReset = Literal["earliest", "latest", "none"]

KAFKA_BINDING_VERSION = "0.4.0"


def _one_of(value: str) -> dict[str, Any]:
    return {"type": "string", "enum": [value]}


@dataclass(frozen=True, order=True)
class TopicPartition:
    """One partition of a topic, for subscribers that assign partitions themselves;
    ``offset``: where reading starts (default: by ``auto_offset_reset``)."""

    topic: str
    partition: int
    offset: int | None = None

    def with_prefix(self, prefix: str) -> TopicPartition:
        return replace(self, topic=prefix + self.topic)


@dataclass(frozen=True)
class KafkaTopic:
    """A subscription: topics, a topic ``pattern`` (a regex) or explicit ``partitions``.

    With ``group_id`` the consumer joins a consumer group: the group's members
    share the partitions and offsets are committed for the group. ``batch``
    hands the handler up to ``max_records`` messages per call, waiting at most
    ``batch_timeout_ms`` for them. ``max_workers`` records (batches) are
    handled at once, each partition's in order. ``options`` go to the client library.
    """

    topics: tuple[str, ...] = ()
    pattern: str | None = None
    partitions: tuple[TopicPartition, ...] = ()
    group_id: str | None = None
    auto_offset_reset: OffsetReset = "latest"
    auto_commit: bool = False
    batch: bool = False
    max_records: int | None = None
    batch_timeout_ms: int = 200
    max_workers: int = 1
    options: tuple[tuple[str, Any], ...] = ()

    @property
    def client_auto_commit(self) -> bool:
        """Whether the client library's periodic auto-commit is on: ``auto_commit``
        at ``max_workers=1`` only. It commits the position fetched up to, past
        records not handled yet: at one worker that is the documented trade (a
        crash loses the batch in hand); above, records wait in lanes for longer and
        the loop commits the in-order settled watermark instead."""
        return self.auto_commit and self.max_workers == 1

    @property
    def name(self) -> str:
        if self.pattern is not None:
            return self.pattern
        if self.partitions:
            return ",".join(sorted({p.topic for p in self.partitions}))
        return ",".join(self.topics)

    @cached_property
    def path(self) -> PathPattern | None:
        """A ``pattern`` with ``{name}`` parts (``"in.{name}.{id}"``, FastStream 0.5's
        form): each part is a ``Path()`` value, a dot-free run of the topic's name."""
        if self.pattern is None or not has_params(self.pattern):
            return None
        return PathPattern(self.pattern, wildcard=".*", token=r"[^.]+")

    @cached_property
    def regex(self) -> str | None:
        """The ``pattern`` as the clients' topic regex: ``{name}`` parts as ``.*``."""
        path = self.path
        return self.pattern if path is None else path.subscription

    def with_prefix(self, prefix: str) -> KafkaTopic:
        return replace(
            self,
            topics=tuple(prefix + t for t in self.topics),
            pattern=None if self.pattern is None else re.escape(prefix) + self.pattern,
            partitions=tuple(p.with_prefix(prefix) for p in self.partitions),
        )

    def matches(self, topic: str, partition: int) -> bool:
        """Whether a record of ``topic``/``partition`` belongs to this subscription."""
        if self.partitions:
            return any(p.topic == topic and p.partition == partition for p in self.partitions)
        if self.regex is not None:
            # Anchored at the start only, as aiokafka and librdkafka match.
            return re.match(self.regex, topic) is not None
        return topic in self.topics

    def asyncapi_channels(self, *, receive: bool, vhost: str | None = None) -> Channels:
        """A channel per topic; one for a ``pattern`` or ``partitions``, named by them."""
        if len(self.topics) > 1 and self.pattern is None:
            addresses = list(self.topics)
        else:
            addresses = [self.name]
        return [(address, self._bindings(address, receive)) for address in addresses]

    def asyncapi_legacy_channels(self, *, receive: bool, vhost: str | None = None) -> Channels:
        """As FastStream 0.5 wrote it (2.6.0): ``partitions`` of several topics give a
        channel per topic."""
        topics = list(dict.fromkeys(p.topic for p in self.partitions))
        if len(topics) < 2:
            return self.asyncapi_channels(receive=receive, vhost=vhost)
        return [(topic, self._bindings(topic, receive)) for topic in topics]

    def _bindings(self, address: str, receive: bool) -> Bindings:
        if len(self.topics) == 1:
            channel = {"bindingVersion": KAFKA_BINDING_VERSION, "topic": self.topics[0]}
        else:
            channel = {"topic": address, "bindingVersion": KAFKA_BINDING_VERSION}
        bindings = Bindings(channel={"kafka": channel})
        if receive and self.group_id:
            bindings.operation["kafka"] = {
                "groupId": _one_of(self.group_id),
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        return bindings


@dataclass(frozen=True)
class TopicDest(NamedSpec):
    """A destination: a topic, with a fixed ``key`` or ``partition`` if given."""

    named_by = "topic"

    topic: str
    key: bytes | str | None = None
    partition: int | None = None

    def asyncapi_channels(self, *, receive: bool, vhost: str | None = None) -> Channels:
        bindings = Bindings(
            channel={"kafka": {"bindingVersion": KAFKA_BINDING_VERSION, "topic": self.topic}}
        )
        key = self.key.decode(errors="replace") if isinstance(self.key, bytes) else self.key
        if not receive and key:
            bindings.message["kafka"] = {
                "key": _one_of(key),
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        return [(self.name, bindings)]

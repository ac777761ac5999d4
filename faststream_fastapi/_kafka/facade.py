"""The Kafka broker and router facade both client libraries share.

Each library's package names its transport class; everything users call —
``subscriber``, ``publisher``, ``publish``, ``publish_batch`` — is here once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from fastapi import params
from typing_extensions import Unpack

from ..core.ack import AckPolicy
from ..core.batchpub import BatchPublisher
from ..core.custom import CUSTOM_KEYWORDS
from ..core.message import Envelope, StreamMessage
from ..core.middleware import Middleware
from ..core.options import (
    PublisherOptions,
    PublishOptions,
    RequestOptions,
    SubscriberConfig,
)
from ..core.paths import PathPattern
from ..core.publisher import Publisher
from ..core.registry import Registry
from ..core.subscriber import Handler
from ..core.views import Spec
from ..security.facade import FacadeBroker, Factory
from .specs import KafkaTopic, OffsetReset, TopicDest, TopicPartition
from .transport import REQUEST_REFUSED, KafkaTransport

Key = bytes | str | None


def _subscription(
    topics: tuple[str, ...],
    pattern: str | None,
    partitions: Sequence[TopicPartition],
    **fields: Any,
) -> KafkaTopic:
    given = sum((bool(topics), pattern is not None, bool(partitions)))
    if given != 1:
        raise TypeError("give topics, pattern= or partitions=, exactly one of them")
    if fields["max_records"] is not None and fields["max_records"] < 1:
        raise ValueError("max_records must be at least 1")
    return KafkaTopic(topics=tuple(topics), pattern=pattern, partitions=tuple(partitions), **fields)


class KafkaDeclarations(Registry):
    """The Kafka-flavoured ``subscriber`` and ``publisher`` decorators."""

    def subscriber(
        self,
        *topics: str,
        pattern: str | None = None,
        partitions: Sequence[TopicPartition] = (),
        group_id: str | None = None,
        auto_offset_reset: OffsetReset = "latest",
        batch: bool = False,
        max_records: int | None = None,
        batch_timeout_ms: int = 200,
        auto_commit: bool = False,
        dependencies: Sequence[params.Depends] = (),
        middlewares: Sequence[Middleware] = (),
        ack_policy: AckPolicy | None = None,
        no_reply: bool = False,
        title: str | None = None,
        description: str | None = None,
        max_retries: int | None = None,
        retry_delay: float = 0.0,
        dead_letter: Publisher | None = None,
        max_message_bytes: int | None = None,
        max_workers: int = 1,
        **consumer_options: Any,
    ) -> Callable[[Callable[..., Any]], Handler]:
        """Consume ``topics`` (or a regex ``pattern``, or explicit ``partitions``).

        Offsets: with ``group_id`` and no ``auto_commit``, a record's offset is
        committed only after it was settled (handler succeeded, or rejected);
        see the broker's docstring for errors. Without ``group_id`` nothing is
        committed: a restarted consumer starts again from ``auto_offset_reset``.
        A ``pattern`` is a regex matched from the start of topic names; a
        group follows topics created later, without a group the topics that
        exist at start are read. Without a group, reading starts at positions
        fixed by ``start()``; a new group's first join takes a moment, so use
        ``auto_offset_reset="earliest"`` not to miss what is published meanwhile.
        ``batch=True`` calls the handler once per fetched batch (at most
        ``max_records``, waiting at most ``batch_timeout_ms``) with a list body.
        ``max_workers=N`` handles up to N records (batches) at once, across
        partitions: a partition's records stay in order, and offsets are
        committed only up to the last record settled in order.
        ``consumer_options`` go to the client library's consumer.
        """
        custom = {k: consumer_options.pop(k) for k in CUSTOM_KEYWORDS if k in consumer_options}
        spec = _subscription(
            topics,
            pattern,
            partitions,
            group_id=group_id,
            auto_offset_reset=auto_offset_reset,
            auto_commit=auto_commit,
            batch=batch,
            max_records=max_records,
            batch_timeout_ms=batch_timeout_ms,
            max_workers=max_workers,
            options=tuple(consumer_options.items()),
        )
        config = SubscriberConfig(
            dependencies=tuple(dependencies),
            middlewares=tuple(middlewares),
            ack_policy=ack_policy,
            no_reply=no_reply,
            title=title,
            description=description,
            max_retries=max_retries,
            retry_delay=retry_delay,
            dead_letter=dead_letter,
            max_message_bytes=max_message_bytes,
            max_workers=max_workers,
            **custom,
        )
        return self._add_subscriber(spec, config)

    def publisher(
        self,
        topic: str,
        *,
        key: Key = None,
        partition: int | None = None,
        batch: bool = False,
        **options: Unpack[PublisherOptions],
    ) -> Publisher:
        """Publish the decorated handler's return value to ``topic``; with
        ``batch=True`` each item of a returned list or tuple (``BatchPublisher``)."""
        spec = TopicDest(topic, key=key, partition=partition)
        return self._add_publisher(spec, BatchPublisher if batch else Publisher, **options)


class KafkaRouterBase(KafkaDeclarations):
    """Groups Kafka subscribers and publishers, optionally under a topic ``prefix``."""


class KafkaBrokerBase(KafkaDeclarations, FacadeBroker, abstract=True):
    """A Kafka cluster connection: one producer, one consumer per subscriber.

    Delivery, per subscriber:

    - In a consumer group (``group_id``) offsets are committed only after the
      handler succeeded: at-least-once. They are committed after each fetched
      batch and on stop, so a crash can re-deliver what was handled since.
    - When the handler raises, the ack policy decides. ``REJECT_ON_ERROR`` (the
      default) logs the error and commits past the record: it is not seen again.
      ``NACK_ON_ERROR`` seeks the partition back to the record, so it is
      consumed again (and so is what followed it in that partition).
      ``ACK`` commits past it too; ``ACK_FIRST`` commits it before the handler
      runs; ``MANUAL`` commits what the handler acks (Kafka commits offsets, so
      acking a record also commits the ones before it in its partition).
    - Malformed records (bad JSON, invalid for the model) are logged without
      their payload and committed past.
    - ``auto_commit=True`` hands commits to the client library's periodic
      auto-commit instead: faster, but a crash can lose records in flight.
      Above ``max_workers=1`` it is not used: the settled watermark is committed.
    - ``max_workers=N`` runs N handlers at once, across partitions; each
      partition's records are handled and committed in order.
    - Without ``group_id`` nothing is ever committed.

    Request/reply is refused (``request`` raises ``NotImplementedError``):
    Kafka has no reply channel. Handlers do reply to records that carry a
    ``reply_to`` header, by publishing the result to the topic it names.
    """

    #: As FastStream 0.5 (and both clients) default it: port 9092 is implied.
    default_address = "localhost"
    transport_class: ClassVar[Callable[..., KafkaTransport]]

    def _client(self, address: Any, options: dict[str, Any]) -> tuple[Any, Factory]:
        # Several servers are one comma-separated string, as both clients take them.
        servers = address if isinstance(address, str) else ",".join(address)
        self.bootstrap_servers = self.url = servers
        transport_class = type(self).transport_class
        return servers, lambda _, **o: transport_class(servers, **o)

    def _built(self, transport: Any) -> None:
        transport.logger = self.logger

    def reply_spec(self, reply_to: str) -> Spec:
        return TopicDest(reply_to)

    def _pattern_for(self, spec: Spec) -> PathPattern | None:
        return spec.path if isinstance(spec, KafkaTopic) else None

    def envelope_for(
        self, spec: Spec, body: bytes, headers: dict[str, str], options: dict[str, Any]
    ) -> Envelope:
        if isinstance(spec, TopicDest):
            if spec.key is not None:
                options.setdefault("key", spec.key)
            if spec.partition is not None:
                options.setdefault("partition", spec.partition)
        return Envelope(spec.name, body, headers, options=options)

    def retry_spec(self, spec: Spec, message: StreamMessage) -> Spec:
        # The record's own topic, with its key: a retry lands on the key's partition.
        key = getattr(message, "key", None)
        return TopicDest(message.destination or spec.name, key=key)

    async def publish(
        self,
        message: Any = None,
        topic: str = "",
        *,
        key: Key = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
        **options: Unpack[PublishOptions],
    ) -> Any:
        """Publish one message; returns once the cluster acknowledged it.

        Raises ``NotConnectedError`` before ``start``/``connect`` and
        ``PublishError`` when the cluster refuses it or does not answer in time.
        """
        if not topic:
            raise TypeError("publish needs a topic: broker.publish(message, 'topic')")
        extra = _options(key, partition, timestamp_ms)
        return await self.send(message, TopicDest(topic), options=extra, **options)

    async def publish_batch(
        self,
        *messages: Any,
        topic: str,
        key: Key = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
        **options: Unpack[PublishOptions],
    ) -> list[Any]:
        """Publish several messages to ``topic`` together; returns when all are acknowledged."""
        extra = _options(key, partition, timestamp_ms)
        # ``rpc=`` is ``publish()``'s alone: a TypeError here, as any unknown keyword.
        return await self.send_batch(messages, TopicDest(topic), extra, **options)  # type: ignore[misc]

    async def request(
        self, message: Any = None, topic: str = "", **options: Unpack[RequestOptions]
    ) -> StreamMessage:
        """Refused: Kafka has no request/reply (see the class docstring). Under
        ``TestKafkaBroker`` it is answered, as FastStream 0.5's test broker does."""
        if not self.root().testing:
            raise NotImplementedError(REQUEST_REFUSED)
        return await self._request(message, TopicDest(topic), **options)


def _options(key: Key, partition: int | None, timestamp_ms: int | None) -> dict[str, Any]:
    """The record options that were given: ``None`` leaves the client's default."""
    options: dict[str, Any] = {}
    if key is not None:
        options["key"] = key
    if partition is not None:
        options["partition"] = partition
    if timestamp_ms is not None:
        options["timestamp_ms"] = timestamp_ms
    return options

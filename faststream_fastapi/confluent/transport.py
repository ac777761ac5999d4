"""The Kafka transport on confluent-kafka (librdkafka), which is synchronous.

No thread hop per message: each consumer fetches whole batches in its own
worker thread and the loop dispatches them; the producer's ``produce`` does
not block, and a poller thread resolves each publish's future from its
delivery report. Offsets are committed asynchronously between batches and
synchronously on stop; the producer is flushed on close.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Sequence
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Producer,
)
from confluent_kafka import TopicPartition as TP

from .._kafka.idempotence import librdkafka_idempotent
from .._kafka.lanes import lane_room
from .._kafka.message import as_key, encode_headers
from .._kafka.specs import KafkaTopic
from .._kafka.transport import ProducerTransport
from ..core.errors import PublishError
from ..core.message import Envelope
from ..core.probe import Probe
from . import topics as auto_topics
from .source import ConfluentSource, client_log

_POLL_INTERVAL = 0.1


#: librdkafka warns when a client gets the other kind's properties; these stay apart.
_CONSUMER_ONLY = (
    "group.",
    "session.timeout.ms",
    "heartbeat.interval.ms",
    "auto.offset.reset",
    "enable.auto.commit",
    "auto.commit.",
    "enable.auto.offset.store",
    "fetch.",
    "max.poll.interval.ms",
    "partition.assignment.strategy",
    "isolation.level",
    "enable.partition.eof",
    "check.crcs",
    "queued.",
    "allow.auto.create.topics",
)
_PRODUCER_ONLY = (
    "acks",
    "request.required.acks",
    "linger.ms",
    "queue.buffering.",
    "batch.",
    "message.timeout.ms",
    "delivery.timeout.ms",
    "compression.",
    "enable.idempotence",
    "retries",
    "message.send.max.retries",
    "partitioner",
    "transactional.id",
)


#: Consumer defaults that differ from librdkafka's, the caller's options win. librdkafka
#: prefetches up to 64 MiB / 100,000 messages per consumer (each subscriber has one):
#: a backlog would fill that. A smaller queue is refilled promptly instead of after
#: librdkafka's 1 s back-off, so throughput stays.
CONSUMER_DEFAULTS: dict[str, Any] = {
    "queued.max.messages.kbytes": 8 * 1024,
    "queued.min.messages": 10_000,
    "fetch.queue.backoff.ms": 20,
}


#: With lanes (``max_workers`` above 1), unless set: a paused partition is resumed
#: when its lane runs low, and librdkafka, having dropped what it had fetched of it,
#: fetches it again only once its fetch in flight returns; that fetch waits up to
#: ``fetch.wait.max.ms`` (librdkafka's 500) on partitions with nothing new, while
#: the lane's handlers run dry. At 64 lanes of 5 ms handlers a lane is resumed with
#: some 60 ms of records left: 50 ms left them idle a quarter of the time, 10 does not
#: (an idle consumer then asks the broker 100 times a second).
LANE_DEFAULTS: dict[str, Any] = {"fetch.wait.max.ms": 10}


def config(options: dict[str, Any]) -> dict[str, Any]:
    """librdkafka names have dots; ``session_timeout_ms=`` spells ``session.timeout.ms``."""
    return {k.replace("_", "."): v for k, v in options.items()}


def _without(options: dict[str, Any], prefixes: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if not k.startswith(prefixes)}


class _Poller:
    """Serves the producer's delivery reports from a thread, resolving futures."""

    def __init__(self, producer: Producer) -> None:
        self.producer = producer
        self.running = True
        self.thread = threading.Thread(target=self._run, name="kafka-producer-poll", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while self.running:
            self.producer.poll(_POLL_INTERVAL)

    def stop(self) -> None:
        self.running = False
        self.thread.join()


class ConfluentTransport(ProducerTransport[Producer]):
    def __init__(self, bootstrap_servers: str = "localhost:9092", **options: Any) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.options = {**CONSUMER_DEFAULTS, **config(options)}
        self.connect_timeout = float(self.options.pop("connect.timeout", 10.0))
        self.producer: Producer | None = None
        #: Whether the producer is idempotent (``enable.idempotence``; set on connect).
        self.idempotent = False
        self._poller: _Poller | None = None
        # Topics are created without the client libraries' own properties.
        self._creator = auto_topics.TopicCreator(
            lambda: self._config(_CONSUMER_ONLY + _PRODUCER_ONLY)
        )
        # A metadata request, in a thread bounded by ``connect.timeout``.
        self._probe = Probe(
            lambda: asyncio.to_thread(self._producer().list_topics, timeout=self.connect_timeout)
        )

    def _config(self, skip: tuple[str, ...], **extra: Any) -> dict[str, Any]:
        return {
            "logger": client_log,
            **_without(self.options, skip),
            **extra,
            "bootstrap.servers": self.bootstrap_servers,
        }

    async def connect(self) -> None:
        if self.producer is not None:
            return
        settings = {"message.timeout.ms": 30_000, **self._config(_CONSUMER_ONLY)}
        settings.setdefault("enable.idempotence", librdkafka_idempotent(settings))
        producer = Producer(settings)
        try:
            await asyncio.to_thread(producer.list_topics, timeout=self.connect_timeout)
        except KafkaException as exc:
            raise ConnectionError(
                f"cannot reach the Kafka cluster at {self.bootstrap_servers}: {exc.args[0]}"
            ) from exc
        self.producer = producer
        self.idempotent = bool(settings["enable.idempotence"] or settings.get("transactional.id"))
        self._poller = _Poller(producer)

    async def close(self) -> None:
        producer, self.producer = self.producer, None
        if producer is None:
            return
        await self._probe.cancel()
        self._creator.reset()
        # Flushing serves the last delivery reports; the poller stops after.
        await asyncio.to_thread(producer.flush, self.connect_timeout)
        if self._poller is not None:
            await asyncio.to_thread(self._poller.stop)
            self._poller = None

    async def ping(self, timeout: float) -> bool:
        return self.producer is not None and await self._probe(timeout)

    # -- publishing -----------------------------------------------------------------

    def _produce(self, envelope: Envelope) -> asyncio.Future[Any]:
        producer = self._producer()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        topic = envelope.destination

        def delivered(err: KafkaError | None, msg: Any) -> None:
            loop.call_soon_threadsafe(_resolve, future, topic, err, msg)

        opts = envelope.options
        kwargs: dict[str, Any] = {
            "key": as_key(opts.get("key")),
            "headers": encode_headers(envelope.headers, envelope.correlation_id, envelope.reply_to),
            "on_delivery": delivered,
        }
        if opts.get("partition") is not None:
            kwargs["partition"] = opts["partition"]
        if opts.get("timestamp_ms") is not None:
            kwargs["timestamp"] = opts["timestamp_ms"]
        try:
            producer.produce(topic, envelope.body, **kwargs)
        except BufferError:
            # The local queue is full: serve reports once, then try again.
            producer.poll(0)
            try:
                producer.produce(topic, envelope.body, **kwargs)
            except BufferError as exc:
                raise PublishError(f"publish to Kafka topic {topic!r} failed: {exc}") from exc
        except KafkaException as exc:
            raise PublishError(f"publish to Kafka topic {topic!r} failed: {exc.args[0]}") from exc
        return future

    async def publish(self, envelope: Envelope) -> Any:
        return await self._produce(envelope)

    async def publish_batch(self, envelopes: Sequence[Envelope]) -> list[Any]:
        futures = [self._produce(e) for e in envelopes]
        return list(await asyncio.gather(*futures))

    # -- consuming ------------------------------------------------------------------

    async def open_source(self, spec: KafkaTopic) -> ConfluentSource:
        producer = self._producer()
        group = spec.group_id
        lanes = LANE_DEFAULTS if spec.max_workers > 1 else {}
        settings = self._config(
            _PRODUCER_ONLY,
            **{
                **{k: v for k, v in lanes.items() if k not in self.options},
                **config(dict(spec.options)),
            },
            **{
                # librdkafka wants a group id even to read assigned partitions;
                # without ``group_id`` it is never used to join or commit.
                "group.id": group or f"faststream-fastapi-{uuid.uuid4().hex}",
                "auto.offset.reset": spec.auto_offset_reset,
                "enable.auto.commit": spec.client_auto_commit and group is not None,
            },
        )
        create = settings["allow.auto.create.topics"] = auto_topics.wanted(settings)
        if create:
            await self._creator.ensure(
                auto_topics.topics_of(spec), self.connect_timeout, self.logger
            )
        else:
            self.logger.warning(auto_topics.DISABLED)
        consumer = Consumer(settings)
        loop = asyncio.get_running_loop()
        source = ConfluentSource(consumer, loop, spec.batch, lane_room(spec))
        try:
            if spec.partitions:
                tps = [TP(p.topic, p.partition) for p in spec.partitions]
                if group is None:
                    tps = await source.run(self._fixed_positions, consumer, tps, spec)
                starts = [p.offset for p in spec.partitions]  # an explicit start wins
                tps = [
                    tp if at is None else TP(tp.topic, tp.partition, at)
                    for tp, at in zip(tps, starts, strict=True)
                ]
                consumer.assign(tps)
                source.assigned.set()
            elif group is not None:
                topics = [_regex(spec.regex)] if spec.regex is not None else list(spec.topics)
                consumer.subscribe(topics, on_assign=source.on_assign, on_revoke=source.on_revoke)
            else:
                # No group: read every partition, from positions fixed now, so
                # what is published once ``start`` returned is seen.
                # The producer's metadata requests create unknown topics: not unasked.
                client = producer if create else consumer
                tps = await source.run(self._all_partitions, client, consumer, spec)
                consumer.assign(tps)
                source.assigned.set()
        except BaseException:
            await source.close()
            raise
        return source

    def _all_partitions(
        self, client: Producer | Consumer, consumer: Consumer, spec: KafkaTopic
    ) -> list[TP]:
        """Every partition of the subscribed topics at fixed positions, in one thread hop."""
        metadata = _topics(client, spec, self.connect_timeout)
        # Connect the consumer now rather than on its first fetch, which
        # otherwise waits about half a second before the first record.
        # Ask for one topic: a full listing waits ~50 ms longer for nothing.
        consumer.list_topics(metadata[0][0] if metadata else None, timeout=self.connect_timeout)
        tps = [TP(t, p) for t, parts in metadata for p in parts]
        return self._fixed_positions(consumer, tps, spec)

    def _fixed_positions(self, consumer: Consumer, tps: list[TP], spec: KafkaTopic) -> list[TP]:
        out = []
        for tp in tps:
            if spec.auto_offset_reset == "earliest":
                out.append(TP(tp.topic, tp.partition, OFFSET_BEGINNING))
                continue
            _, high = consumer.get_watermark_offsets(tp, timeout=self.connect_timeout)
            out.append(TP(tp.topic, tp.partition, high))
        return out


def _regex(pattern: str) -> str:
    return pattern if pattern.startswith("^") else "^" + pattern


def _topics(
    client: Producer | Consumer, spec: KafkaTopic, timeout: float
) -> list[tuple[str, list[int]]]:
    if spec.pattern is not None:
        # librdkafka follows a pattern only in a group: take the topics that exist now.
        topics = client.list_topics(timeout=timeout).topics
        names = sorted(t for t in topics if spec.matches(t, 0))
    else:
        names = list(spec.topics)
    out = []
    for name in names:
        meta = client.list_topics(name, timeout=timeout).topics[name]
        if meta.error is not None:
            raise KafkaException(meta.error)
        out.append((name, sorted(meta.partitions)))
    return out


def _resolve(future: asyncio.Future[Any], topic: str, err: KafkaError | None, msg: Any) -> None:
    if future.done():
        return
    if err is not None:
        future.set_exception(PublishError(f"publish to Kafka topic {topic!r} failed: {err.str()}"))
    else:
        future.set_result(msg)

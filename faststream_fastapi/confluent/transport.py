"""The Kafka transport on confluent-kafka (librdkafka), which is synchronous.

No thread hop per message: each consumer fetches whole batches in its own
worker thread and the loop dispatches them; the producer's ``produce`` does
not block, and a poller thread resolves each publish's future from its
delivery report. Offsets are committed asynchronously between batches and
synchronously on stop; the producer is flushed on close.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    TIMESTAMP_NOT_AVAILABLE,
    Consumer,
    KafkaError,
    KafkaException,
    Producer,
)
from confluent_kafka import TopicPartition as TP

from .._kafka.consume import ConsumeLoop, Offsets, Position, RecordSource
from .._kafka.message import KafkaMessage, as_key, encode_headers
from .._kafka.specs import KafkaTopic
from .._kafka.transport import ProducerTransport
from ..core.errors import PublishError
from ..core.message import Deliver, Envelope
from ..core.probe import Probe
from ..core.transport import Consumption

_client_log = logging.getLogger("faststream_fastapi.confluent")
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


def config(options: dict[str, Any]) -> dict[str, Any]:
    """librdkafka names have dots; ``session_timeout_ms=`` spells ``session.timeout.ms``."""
    return {k.replace("_", "."): v for k, v in options.items()}


def _without(options: dict[str, Any], prefixes: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if not k.startswith(prefixes)}


class _ConfluentSource(RecordSource):
    def __init__(self, consumer: Consumer, loop: asyncio.AbstractEventLoop, batch: bool) -> None:
        super().__init__()
        self.consumer = consumer
        self.batch = batch
        self.loop = loop
        # One thread per consumer: librdkafka calls for it never run concurrently.
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="kafka-consumer")

    def on_assign(self, consumer: Consumer, partitions: list[TP]) -> None:
        if partitions:
            self.loop.call_soon_threadsafe(self.assigned.set)

    async def run(self, func: Any, *args: Any) -> Any:
        return await self.loop.run_in_executor(self.executor, func, *args)

    def _fetch(self, max_records: int, timeout: float) -> list[Any]:
        consumer = self.consumer
        raw: list[Any]
        if self.batch:
            raw = consumer.consume(max_records, timeout)
        else:
            # Wait for the first record only, then take what is already buffered.
            first = consumer.poll(timeout)
            if first is None:
                raw = []
            elif max_records > 1:
                raw = [first, *consumer.consume(max_records - 1, 0)]
            else:
                raw = [first]
        out = []
        for m in raw:
            err = m.error()
            if err is None:
                out.append(m)
            elif err.code() != KafkaError._PARTITION_EOF:
                _client_log.warning("consumer error: %s", err)
        return out

    async def fetch(self, max_records: int, timeout_ms: int) -> list[Any]:
        result: list[Any] = await self.run(self._fetch, max_records, timeout_ms / 1000)
        return result

    def build(self, record: Any, offsets: Offsets) -> KafkaMessage:
        return _message(record, offsets)

    def seek(self, topic: str, partition: int, offset: int) -> None:
        self.consumer.seek(TP(topic, partition, offset))

    async def commit(self, offsets: dict[Position, int], final: bool) -> None:
        tps = [TP(t, p, o) for (t, p), o in offsets.items()]
        if final:
            await self.run(lambda: self.consumer.commit(offsets=tps, asynchronous=False))
        else:
            self.consumer.commit(offsets=tps, asynchronous=True)

    async def close(self) -> None:
        try:
            await self.run(self.consumer.close)
        finally:
            self.executor.shutdown(wait=False)


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
        self._poller: _Poller | None = None
        # A metadata request, in a thread bounded by ``connect.timeout``.
        self._probe = Probe(
            lambda: asyncio.to_thread(self._producer().list_topics, timeout=self.connect_timeout)
        )

    def _config(self, skip: tuple[str, ...], **extra: Any) -> dict[str, Any]:
        return {
            "logger": _client_log,
            **_without(self.options, skip),
            **extra,
            "bootstrap.servers": self.bootstrap_servers,
        }

    async def connect(self) -> None:
        if self.producer is not None:
            return
        producer = Producer({"message.timeout.ms": 30_000, **self._config(_CONSUMER_ONLY)})
        try:
            await asyncio.to_thread(producer.list_topics, timeout=self.connect_timeout)
        except KafkaException as exc:
            raise ConnectionError(
                f"cannot reach the Kafka cluster at {self.bootstrap_servers}: {exc.args[0]}"
            ) from exc
        self.producer = producer
        self._poller = _Poller(producer)

    async def close(self) -> None:
        producer, self.producer = self.producer, None
        if producer is None:
            return
        await self._probe.cancel()
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

    async def subscribe(self, spec: KafkaTopic, deliver: Deliver) -> Consumption:
        producer = self._producer()
        group = spec.group_id
        consumer = Consumer(
            self._config(
                _PRODUCER_ONLY,
                **config(dict(spec.options)),
                **{
                    # librdkafka wants a group id even to read assigned partitions;
                    # without ``group_id`` it is never used to join or commit.
                    "group.id": group or f"faststream-fastapi-{uuid.uuid4().hex}",
                    "auto.offset.reset": spec.auto_offset_reset,
                    "enable.auto.commit": spec.auto_commit and group is not None,
                },
            )
        )
        loop = asyncio.get_running_loop()
        source = _ConfluentSource(consumer, loop, spec.batch)
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
                topics = [_regex(spec.pattern)] if spec.pattern is not None else list(spec.topics)
                consumer.subscribe(topics, on_assign=source.on_assign)
            else:
                # No group: read every partition, from positions fixed now, so
                # what is published once ``start`` returned is seen.
                tps = await source.run(self._all_partitions, producer, consumer, spec)
                consumer.assign(tps)
                source.assigned.set()
        except BaseException:
            await source.close()
            raise
        return ConsumeLoop(source, spec, deliver, self.logger)

    def _all_partitions(self, producer: Producer, consumer: Consumer, spec: KafkaTopic) -> list[TP]:
        """Every partition of the subscribed topics at fixed positions, in one thread hop."""
        metadata = _topics(producer, spec, self.connect_timeout)
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


class _Record(KafkaMessage):
    """A record of confluent-kafka: ``key`` and ``timestamp`` read when asked."""

    __slots__ = ()

    @property
    def key(self) -> bytes | None:
        key: bytes | None = self.raw.key()
        return key

    @property
    def timestamp(self) -> int | None:
        kind, ms = self.raw.timestamp()
        return None if kind == TIMESTAMP_NOT_AVAILABLE else int(ms)


_record = _Record.from_record  # bound once, not per record


def _message(m: Any, offsets: Offsets) -> KafkaMessage:
    return _record(m.value(), m.headers(), m.topic(), m.partition(), m.offset(), m, offsets)


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

"""The Kafka transport on aiokafka: one producer, one consumer per subscription."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
from collections.abc import Iterable, Sequence
from typing import Any

import aiokafka
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka import TopicPartition as TP
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    IllegalStateError,
    KafkaError,
    UnknownError,
    UnsupportedVersionError,
)

from .._kafka.consume import Position, RecordSource
from .._kafka.idempotence import aiokafka_idempotent
from .._kafka.message import KafkaMessage, as_key, encode_headers
from .._kafka.specs import KafkaTopic
from .._kafka.transport import ProducerTransport
from ..core.errors import PublishError
from ..core.message import Envelope, Settler
from ..core.probe import Probe

logger = logging.getLogger("faststream_fastapi")
#: How a cluster refuses an idempotent producer's ``InitProducerId``: no such request
#: (Kafka before 0.11), no ``IdempotentWrite`` permission (ACLs before Kafka 3.0), or an
#: error of its own (tansu 0.6 answers aiokafka's version 0 request with -1, unknown).
_REFUSED = (UnknownError, UnsupportedVersionError, ClusterAuthorizationFailedError)


def _accepted(cls: type, options: dict[str, Any]) -> dict[str, Any]:
    """The options ``cls`` takes: one option set configures producer and consumers."""
    names = inspect.signature(cls).parameters
    return {k: v for k, v in options.items() if k in names}


class _Assigned(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, source: _AiokafkaSource) -> None:
        self.source = source

    async def on_partitions_revoked(self, revoked: Any) -> None:
        source = self.source
        if source.revoke is None or not revoked:
            return
        done = await source.revoke([(tp.topic, tp.partition) for tp in revoked])
        if done:
            try:
                await source.commit(done, True)
            except Exception as exc:
                logger.warning("offset commit of revoked partitions failed: %s", exc)

    async def on_partitions_assigned(self, assigned: Any) -> None:
        # A partition given back after a rebalance starts unpaused, as aiokafka's own would.
        self.source.paused.difference_update(assigned)
        if assigned:
            self.source.assigned.set()
        self.source.joined.set()


class _Record(KafkaMessage):
    """A record of aiokafka: ``key`` and ``timestamp`` read when asked."""

    __slots__ = ()

    @property
    def key(self) -> bytes | None:
        key: bytes | None = self.raw.key
        return key

    @property
    def timestamp(self) -> int | None:
        ms: int | None = self.raw.timestamp
        return ms


_record = _Record.from_record  # bound once, not per record


class _AiokafkaSource(RecordSource):
    """Pausing a partition leaves it to aiokafka: ``consumer.pause`` would drop the
    records it has fetched for it, to fetch them again on ``resume``, a broker round
    trip each time a lane runs low. A paused partition is instead left out of
    ``getmany``: its one fetched response waits in aiokafka, which fetches no more
    of that partition until it is read."""

    #: aiokafka's ``start`` itself waits so when subscribed first (FastStream 0.5's way).
    joins_at_start = True

    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        super().__init__()
        self.consumer = consumer
        #: The partitions not to read from (``pause``), and an event ``resume`` sets.
        self.paused: set[TP] = set()
        self.resumed = asyncio.Event()

    async def fix_positions(self) -> None:
        for tp in self.consumer.assignment():
            with contextlib.suppress(IllegalStateError):  # taken away meanwhile
                await self.consumer.position(tp)

    async def fetch(self, max_records: int, timeout_ms: int) -> list[Any]:
        if self.paused:
            return await self._fetch_unpaused(max_records, timeout_ms)
        batches = await self.consumer.getmany(timeout_ms=timeout_ms, max_records=max_records)
        if len(batches) == 1:
            return next(iter(batches.values()))
        return [record for records in batches.values() for record in records]

    def where(self, record: Any) -> tuple[str, int, int]:
        return record.topic, record.partition, record.offset

    async def _fetch_unpaused(self, max_records: int, timeout_ms: int) -> list[Any]:
        paused = self.paused
        tps = [tp for tp in self.consumer.assignment() if tp not in paused]
        if not tps:  # every partition paused: until one is resumed
            self.resumed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.resumed.wait(), timeout_ms / 1000)
            return []
        batches = await self.consumer.getmany(*tps, timeout_ms=timeout_ms, max_records=max_records)
        return [record for records in batches.values() for record in records]

    def pause(self, positions: Iterable[Position]) -> None:
        self.paused.update(TP(topic, partition) for topic, partition in positions)

    def resume(self, positions: Iterable[Position]) -> None:
        self.paused.difference_update(TP(topic, partition) for topic, partition in positions)
        self.resumed.set()

    def build(self, record: Any, offsets: Settler[KafkaMessage]) -> KafkaMessage:
        return _record(
            record.value,
            record.headers,
            record.topic,
            record.partition,
            record.offset,
            record,
            offsets,
        )

    def seek(self, topic: str, partition: int, offset: int) -> None:
        self.consumer.seek(TP(topic, partition), offset)

    async def commit(self, offsets: dict[Position, int], final: bool) -> None:
        await self.consumer.commit({TP(t, p): o for (t, p), o in offsets.items()})

    async def close(self) -> None:
        await self.consumer.stop()


class AiokafkaTransport(ProducerTransport[AIOKafkaProducer]):
    def __init__(self, bootstrap_servers: str = "localhost:9092", **options: Any) -> None:
        self.connect_timeout = float(options.pop("connect_timeout", 10.0))
        known = {*_accepted(AIOKafkaProducer, options), *_accepted(AIOKafkaConsumer, options)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise TypeError(f"unknown aiokafka options: {', '.join(unknown)}")
        self.bootstrap_servers = bootstrap_servers
        self.options = options
        self.producer: AIOKafkaProducer | None = None
        #: Whether the producer is idempotent (known once connected).
        self.idempotent = False
        # A metadata request; aiokafka bounds it by ``request_timeout_ms``.
        self._probe = Probe(lambda: self._producer().client.fetch_all_metadata())

    async def _start(self, options: dict[str, Any]) -> AIOKafkaProducer:
        # Looked up when called, as FastStream 0.5 did: tests that patch
        # ``aiokafka.AIOKafkaProducer`` to check the client's options keep working.
        producer = aiokafka.AIOKafkaProducer(
            bootstrap_servers=self.bootstrap_servers, **_accepted(AIOKafkaProducer, options)
        )
        try:
            await asyncio.wait_for(producer.start(), self.connect_timeout)
        except BaseException:
            with contextlib.suppress(Exception):
                await producer.stop()
            raise
        return producer

    async def connect(self) -> None:
        if self.producer is not None:
            return
        options = {"request_timeout_ms": 10_000, **self.options}
        default = "enable_idempotence" not in options and "transactional_id" not in options
        if default:
            options["enable_idempotence"] = aiokafka_idempotent(options)
        try:
            try:
                producer = await self._start(options)
            except _REFUSED as exc:
                if not (default and options["enable_idempotence"]):
                    raise
                self.logger.warning(
                    "the Kafka cluster at %s refused an idempotent producer (InitProducerId: "
                    "%s); publishing without idempotence, so a send the client retries after "
                    "a lost acknowledgement may be stored twice. Pass enable_idempotence=False "
                    "to choose this without the warning, or True to make start() fail instead",
                    self.bootstrap_servers,
                    exc,
                )
                options["enable_idempotence"] = False
                producer = await self._start(options)
        except (KafkaError, TimeoutError) as exc:
            why = f"cannot reach the Kafka cluster at {self.bootstrap_servers}: {exc}"
            if isinstance(exc, _REFUSED) and options.get("enable_idempotence"):
                why = (
                    f"the Kafka cluster at {self.bootstrap_servers} refused an idempotent "
                    f"producer (InitProducerId: {exc}); pass enable_idempotence=False to "
                    "publish without it"
                )
            raise ConnectionError(why) from exc
        self.idempotent = bool(options.get("enable_idempotence") or options.get("transactional_id"))
        self.producer = producer

    async def close(self) -> None:
        await self._probe.cancel()
        producer, self.producer = self.producer, None
        if producer is not None:
            await producer.stop()  # flushes what is pending

    async def ping(self, timeout: float) -> bool:
        return self.producer is not None and await self._probe(timeout)

    # -- publishing -----------------------------------------------------------------

    async def _send(self, envelope: Envelope, partition: int | None = None) -> asyncio.Future[Any]:
        opts = envelope.options
        try:
            future: asyncio.Future[Any] = await self._producer().send(
                envelope.destination,
                envelope.body,
                key=as_key(opts.get("key")),
                partition=opts.get("partition", partition),
                timestamp_ms=opts.get("timestamp_ms"),
                headers=encode_headers(
                    envelope.headers, envelope.correlation_id, envelope.reply_to
                ),
            )
        except (KafkaError, AssertionError) as exc:  # aiokafka asserts on a bad partition
            raise PublishError(
                f"publish to Kafka topic {envelope.destination!r} failed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        return future

    async def publish(self, envelope: Envelope) -> Any:
        future = await self._send(envelope)
        try:
            return await future
        except KafkaError as exc:
            raise PublishError(
                f"publish to Kafka topic {envelope.destination!r} failed: {exc}"
            ) from exc

    async def publish_batch(self, envelopes: Sequence[Envelope]) -> list[Any]:
        # As FastStream 0.5's one record batch: messages without a key or a partition
        # all go to one partition, so they are stored, and read, in the order given.
        partition = None
        if envelopes and all(
            e.options.get("key") is None and e.options.get("partition") is None for e in envelopes
        ):
            partition = await self._any_partition(envelopes[0].destination)
        futures = [await self._send(e, partition) for e in envelopes]
        try:
            return list(await asyncio.gather(*futures))
        except KafkaError as exc:
            raise PublishError(f"publish of a batch to Kafka failed: {exc}") from exc

    async def _any_partition(self, topic: str) -> int | None:
        """One of ``topic``'s partitions, at random (``None``: left to the client)."""
        try:
            partitions = await self._producer().partitions_for(topic)
        except KafkaError as exc:
            raise PublishError(f"publish to Kafka topic {topic!r} failed: {exc}") from exc
        return random.choice(sorted(partitions)) if partitions else None

    # -- consuming ------------------------------------------------------------------

    async def open_source(self, spec: KafkaTopic) -> _AiokafkaSource:
        producer = self._producer()
        consumer = AIOKafkaConsumer(
            **{
                # The broker's options that fit a consumer; the subscriber's all must.
                **_accepted(AIOKafkaConsumer, self.options),
                **dict(spec.options),
                "bootstrap_servers": self.bootstrap_servers,
                "group_id": spec.group_id,
                "auto_offset_reset": spec.auto_offset_reset,
                "enable_auto_commit": spec.client_auto_commit,
            }
        )
        source = _AiokafkaSource(consumer)
        await consumer.start()
        try:
            if spec.partitions:
                await self._assign(source, [TP(p.topic, p.partition) for p in spec.partitions])
                for p in spec.partitions:  # an explicit start wins
                    if p.offset is not None:
                        source.consumer.seek(TP(p.topic, p.partition), p.offset)
            elif spec.group_id is not None:
                if spec.pattern is not None:
                    consumer.subscribe(pattern=spec.pattern, listener=_Assigned(source))
                else:
                    consumer.subscribe(list(spec.topics), listener=_Assigned(source))
            else:
                # No group: read every partition, from positions fixed now, so
                # what is published once ``start`` returned is seen. A pattern
                # covers the topics that exist now (a group follows new ones).
                topics = list(spec.topics)
                if spec.pattern is not None:
                    topics = sorted(t for t in await consumer.topics() if spec.matches(t, 0))
                tps: list[TP] = []
                for topic in topics:
                    parts = await producer.partitions_for(topic)
                    tps.extend(TP(topic, p) for p in sorted(parts))
                await self._assign(source, tps)
        except BaseException:
            await consumer.stop()
            raise
        return source

    async def _assign(self, source: _AiokafkaSource, tps: list[TP]) -> None:
        source.consumer.assign(tps)
        for tp in tps:
            await source.consumer.position(tp)
        source.assigned.set()

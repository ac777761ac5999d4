"""Kafka's routing rules in memory, and ``TestKafkaBroker`` for both libraries.

Topics have ``partitions`` partitions (1 unless ``TestKafkaBroker(...,
partitions=n)``); a key always lands on the same partition, an explicit
partition is honoured, offsets count up per partition. Subscribers of one
consumer group compete for a record; different groups each get it.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Sequence
from typing import Any, TypeVar

from ..core.broker import Broker
from ..core.message import CORRELATION_ID, NO_SETTLER, REPLY_TO, Deliver, Envelope
from ..core.testing import MemoryTransport, TestBroker
from .message import KafkaMessage, as_key, batch_message
from .specs import KafkaTopic


class KafkaMemoryTransport(MemoryTransport):
    def __init__(self, partitions: int = 1) -> None:
        super().__init__()
        self.partitions = partitions
        self._next_offset: dict[tuple[str, int], int] = {}

    def describe(self, envelope: Envelope) -> str:
        return f"topic {envelope.destination!r}"

    def _place(self, envelope: Envelope) -> _Record:
        opts = envelope.options
        key = as_key(opts.get("key"))
        partition = opts.get("partition")
        if partition is None:
            partition = zlib.crc32(key) % self.partitions if key is not None else 0
        position = (envelope.destination, partition)
        offset = self._next_offset.get(position, 0)
        self._next_offset[position] = offset + 1
        headers = {k.lower(): v for k, v in envelope.headers.items()}
        if envelope.correlation_id:
            headers[CORRELATION_ID] = envelope.correlation_id
        if envelope.reply_to:
            headers[REPLY_TO] = envelope.reply_to
        timestamp = opts.get("timestamp_ms") or int(time.time() * 1000)
        return (envelope, partition, offset, key, timestamp, headers)

    def _unread(self, envelope: Envelope) -> None:
        """A record nobody got: lost only if nothing reads its topic (a record on
        another partition of a read topic stays in the log, as on a cluster)."""
        topic = envelope.destination
        if not any(
            isinstance(spec, KafkaTopic)
            and (
                topic in spec.topics
                or any(p.topic == topic for p in spec.partitions)
                or (spec.pattern is not None and spec.matches(topic, 0))
            )
            for spec, _ in self.subscriptions
        ):
            self.unrouted(envelope)

    def _targets(
        self, topic: str, partition: int, *, placed: bool = True
    ) -> list[tuple[KafkaTopic, Deliver]]:
        """Who gets a record. One published with neither key nor partition (not
        ``placed``) could land on any partition: it reaches every subscriber
        assigned a partition of its topic, as FastStream 0.5's test broker does."""
        served: set[str] = set()
        targets = []
        for spec, deliver in self.subscriptions:
            if not isinstance(spec, KafkaTopic):
                continue
            if not spec.matches(topic, partition) and (
                placed or not any(tp.topic == topic for tp in spec.partitions)
            ):
                continue
            if spec.group_id is not None:
                if spec.group_id in served:
                    continue
                served.add(spec.group_id)
            targets.append((spec, deliver))
        return targets

    async def publish(self, envelope: Envelope) -> Any:
        if await self.arrived(envelope):
            return None
        record = self._place(envelope)
        placed = "partition" in envelope.options or record[3] is not None
        targets = self._targets(envelope.destination, record[1], placed=placed)
        if not targets:
            self._unread(envelope)
        for spec, deliver in targets:
            msg = _message(record)
            await deliver(batch_message([msg], NO_SETTLER) if spec.batch else msg)
        return None

    async def publish_batch(self, envelopes: Sequence[Envelope]) -> list[Any]:
        if self.catch_up is not None:
            await self.catch_up()
        records = [self._place(e) for e in envelopes]
        # Per subscriber, one batch call or one call per record, in publish order.
        plan: dict[int, tuple[KafkaTopic, Deliver, list[KafkaMessage]]] = {}
        for record in records:
            targets = self._targets(record[0].destination, record[1])
            if not targets:
                self._unread(record[0])
            for spec, deliver in targets:
                plan.setdefault(id(deliver), (spec, deliver, []))[2].append(_message(record))
        for spec, deliver, messages in plan.values():
            if spec.batch:
                await deliver(batch_message(messages, NO_SETTLER))
            else:
                for msg in messages:
                    await deliver(msg)
        return [None] * len(envelopes)


#: A placed record: envelope, partition, offset, key, timestamp, lower-cased headers.
_Record = tuple[Envelope, int, int, bytes | None, int, dict[str, str]]


def _message(record: _Record) -> KafkaMessage:
    """A message per subscriber: settlement and decoding state are not shared."""
    envelope, partition, offset, key, timestamp, headers = record
    return KafkaMessage(
        envelope.body,
        headers,
        topic=envelope.destination,
        partition=partition,
        offset=offset,
        key=key,
        timestamp=timestamp,
        raw=envelope,
        lowered=True,
    )


B = TypeVar("B", bound=Broker)


class TestKafkaBroker(TestBroker[B]):
    """``async with TestKafkaBroker(broker) as br:`` — no Kafka cluster needed."""

    transport_factory = KafkaMemoryTransport

    def __init__(self, broker: B, *, partitions: int = 1, **options: Any) -> None:
        super().__init__(broker, **options)
        self.partitions = partitions

    async def __aenter__(self) -> B:
        broker = await super().__aenter__()
        transport = broker.root()._transport
        if isinstance(transport, KafkaMemoryTransport):
            transport.partitions = self.partitions
        return broker

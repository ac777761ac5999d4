"""Each broker's side of ``test_faults_replica``: the replicas' subscription (with
the knob that sets how soon a dead replica's messages come back), publishing,
and what the broker counts as taken by the dead replica and not settled."""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING, Any

import aio_pika
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from nats.js.errors import NotFoundError
from redis.asyncio import Redis

from faststream_fastapi.kafka import KafkaBroker
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.rabbit import RabbitBroker
from faststream_fastapi.redis import RedisBroker

if TYPE_CHECKING:
    from test_faults_replica import Records

AMQP = "amqp://guest:guest@127.0.0.1:5672/"
REDIS = "redis://127.0.0.1:6379"
NATS = "nats://127.0.0.1:4222"
KAFKA = "127.0.0.1:9092"
#: A pending stream entry idle this long (ms) is claimed by another consumer.
MIN_IDLE_TIME = 1000
#: JetStream redelivers a message not acked within this (seconds).
ACK_WAIT = 2.0
#: The most messages the durable has out unacknowledged, over all its members.
MAX_ACK_PENDING = 6
#: The most unacknowledged deliveries a RabbitMQ consumer holds.
PREFETCH = 3
#: tansu answers a group join after about half the session timeout.
KAFKA_GROUP = {"session_timeout_ms": 3000, "heartbeat_interval_ms": 1000}
#: Records per fetch: offsets are committed after each fetched batch.
KAFKA_BATCH = 4
PARTITIONS = 2

# A group member reads nothing until it owns its partitions.
_ASSIGNED = "for each in broker.subscribers:\n        await each.consumption.wait_assigned(30)"

_KAFKA_SETUP = """
from faststream_fastapi.{module} import KafkaBroker
broker = KafkaBroker("{kafka}", **{group})


def sub(name):
    return broker.subscriber(
        name, group_id="g-" + name, auto_offset_reset="earliest", max_records={batch}
    )
"""


class Kit:
    """One broker's side of the test for the destination ``name``."""

    #: Module-level code of the replicas' app defining ``broker`` and ``sub(name)``.
    setup = ""
    #: Awaited by the app after startup, before it says it is ready.
    ready = "pass"
    #: What ``unsettled`` counts.
    unsettled_means = ""

    def __init__(self, name: str) -> None:
        self.name = name

    async def prepare(self) -> None:
        return None

    def publisher(self) -> Any:
        """The test's broker, publishing with ``publish``."""
        raise NotImplementedError

    async def publish(self, broker: Any, n: int) -> None:
        await broker.publish(n, self.name)

    async def unsettled(self, pid: int, records: Records, killed_at: float) -> int:
        """Right after the kill: how many messages the broker holds as taken by the
        replica whose process was ``pid`` and not settled (an upper bound)."""
        raise NotImplementedError

    async def cleanup(self) -> None:
        return None


class RedisKit(Kit):
    setup = f"""
from faststream_fastapi.redis import RedisBroker, StreamSub
broker = RedisBroker("{REDIS}")


def sub(name):
    stream = StreamSub(
        name, group="g", polling_interval=0.1, max_records=3, min_idle_time={MIN_IDLE_TIME}
    )
    return broker.subscriber(stream=stream)
"""
    unsettled_means = "entries pending on its consumer (XPENDING)"

    async def prepare(self) -> None:
        async with Redis.from_url(REDIS) as client:
            await client.xgroup_create(self.name, "g", id="0", mkstream=True)

    def publisher(self) -> Any:
        return RedisBroker(REDIS)

    async def publish(self, broker: Any, n: int) -> None:
        await broker.publish(n, stream=self.name)

    async def unsettled(self, pid: int, records: Records, killed_at: float) -> int:
        async with Redis.from_url(REDIS, decode_responses=True) as client:
            summary = await client.xpending(self.name, "g")
        # Consumers are named host-pid-n by default.
        return sum(int(c["pending"]) for c in summary["consumers"] if f"-{pid}-" in str(c["name"]))

    async def cleanup(self) -> None:
        async with Redis.from_url(REDIS) as client:
            await client.delete(self.name)


class NatsKit(Kit):
    setup = f"""
from nats.js.api import ConsumerConfig
from faststream_fastapi.nats import NatsBroker
broker = NatsBroker("{NATS}")
CONFIG = ConsumerConfig(ack_wait={ACK_WAIT}, max_ack_pending={MAX_ACK_PENDING})


def sub(name):
    # nats-py names a queue group's durable consumer after the group.
    return broker.subscriber(name, "workers", stream=name, durable="workers", config=CONFIG)
"""
    unsettled_means = "the durable's unacknowledged messages, both replicas' (num_ack_pending)"

    def publisher(self) -> Any:
        return NatsBroker(NATS)

    async def publish(self, broker: Any, n: int) -> None:
        await broker.publish(n, self.name, stream=self.name, timeout=5.0)

    async def unsettled(self, pid: int, records: Records, killed_at: float) -> int:
        async with NatsBroker(NATS) as broker:
            js = broker.transport.client.jetstream()  # type: ignore[attr-defined]
            return int((await js.consumer_info(self.name, "workers")).num_ack_pending)

    async def cleanup(self) -> None:
        async with NatsBroker(NATS) as broker:
            with suppress(NotFoundError):
                await broker.transport.client.jetstream().delete_stream(self.name)  # type: ignore[attr-defined]


class RabbitKit(Kit):
    setup = f"""
from faststream_fastapi.rabbit import RabbitBroker, RabbitQueue
broker = RabbitBroker("{AMQP}", prefetch_count={PREFETCH})


def sub(name):
    return broker.subscriber(RabbitQueue(name, durable=False))
"""
    unsettled_means = "at most prefetch_count unacknowledged deliveries"

    async def prepare(self) -> None:
        connection = await aio_pika.connect(AMQP)
        async with connection:
            channel = await connection.channel()
            await channel.declare_queue(self.name, durable=False)

    def publisher(self) -> Any:
        return RabbitBroker(AMQP)

    async def unsettled(self, pid: int, records: Records, killed_at: float) -> int:
        # AMQP does not tell a consumer's unacknowledged deliveries; the channel's
        # prefetch bounds them.
        return PREFETCH

    async def cleanup(self) -> None:
        connection = await aio_pika.connect(AMQP)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(self.name)


class KafkaKit(Kit):
    module = "kafka"
    unsettled_means = "records it started at or past its group's committed offsets"

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.setup = _KAFKA_SETUP.format(
            module=self.module, kafka=KAFKA, group=KAFKA_GROUP, batch=KAFKA_BATCH
        )
        self.ready = _ASSIGNED

    async def prepare(self) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA)
        await admin.start()
        try:
            topic = NewTopic(self.name, num_partitions=PARTITIONS, replication_factor=1)
            await admin.create_topics([topic])
        finally:
            await admin.close()

    def publisher(self) -> Any:
        return KafkaBroker(KAFKA)

    async def publish(self, broker: Any, n: int) -> None:
        # Sequential, one publisher: id n is record n // PARTITIONS of partition n % PARTITIONS.
        await broker.publish(n, self.name, partition=n % PARTITIONS)

    async def unsettled(self, pid: int, records: Records, killed_at: float) -> int:
        # An offset fetch, without joining the group.
        reader = AIOKafkaConsumer(bootstrap_servers=KAFKA, group_id=f"g-{self.name}")
        await reader.start()
        try:
            committed = {
                p: await reader.committed(TopicPartition(self.name, p)) for p in range(PARTITIONS)
            }
        finally:
            await reader.stop()
        started = {e.n for e in records.of("start") if e.pid == pid and e.n is not None}
        return sum(1 for n in started if n // PARTITIONS >= (committed[n % PARTITIONS] or 0))


class ConfluentKit(KafkaKit):
    module = "confluent"


KITS: dict[str, type[Kit]] = {
    "redis": RedisKit,
    "nats": NatsKit,
    "rabbit": RabbitKit,
    "kafka": KafkaKit,
    "confluent": ConfluentKit,
}

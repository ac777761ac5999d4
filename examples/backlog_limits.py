"""Bounding what a slow subscriber holds under a backlog (docs/delivery.md).

Each limit below is set lower than its default; the defaults already bound
every subscriber. Messages past a limit wait on the broker, not in the process
(core NATS, which keeps nothing, drops them instead).
"""

from nats.js.api import ConsumerConfig

from faststream_fastapi.confluent import KafkaBroker as ConfluentBroker
from faststream_fastapi.kafka import KafkaBroker
from faststream_fastapi.nats import NatsBroker, PullSub
from faststream_fastapi.rabbit import RabbitBroker, RabbitQueue
from faststream_fastapi.redis import ListSub, RedisBroker, StreamSub

# RabbitMQ: at most 4 unacknowledged deliveries per subscriber, so 4 handler calls at once.
rabbit = RabbitBroker("amqp://guest:guest@localhost:5672/", prefetch_count=4)


@rabbit.subscriber(RabbitQueue("thumbnails"))
async def thumbnail(image_id: int) -> None: ...


# Redis: 20 entries per read (XREADGROUP COUNT, LPOP count), handled one at a time.
redis = RedisBroker("redis://localhost:6379")


@redis.subscriber(stream=StreamSub("orders", group="billing", max_records=20))
async def bill(order_id: int) -> None: ...


@redis.subscriber(list=ListSub("emails", max_records=20))
async def send_email(address: str) -> None: ...


# NATS: a JetStream push consumer sent at most 200 unacknowledged messages; a pull
# consumer fetching 10 at a time; a core subject queueing at most 1,000 messages or 1 MiB.
nats = NatsBroker("nats://localhost:4222")


@nats.subscriber(
    "orders.created", stream="orders", durable="mail", config=ConsumerConfig(max_ack_pending=200)
)
async def confirm(order_id: int) -> None: ...


@nats.subscriber("orders.paid", stream="orders", durable="ship", pull_sub=PullSub(batch_size=10))
async def ship(order_id: int) -> None: ...


@nats.subscriber("metrics", pending_msgs_limit=1_000, pending_bytes_limit=1024 * 1024)
async def record(sample: float) -> None: ...


# Kafka on aiokafka: 100 records handed over per fetch, 256 KiB fetched ahead per partition.
kafka = KafkaBroker("localhost:9092")


@kafka.subscriber("events", group_id="audit", max_records=100, max_partition_fetch_bytes=256 * 1024)
async def audit(event: dict[str, str]) -> None: ...


# Kafka on confluent-kafka: librdkafka's prefetch queue at 2 MiB (ours: 8 MiB).
confluent = ConfluentBroker("localhost:9092")


@confluent.subscriber("events", group_id="audit", queued_max_messages_kbytes=2048)
async def audit_confluent(event: dict[str, str]) -> None: ...

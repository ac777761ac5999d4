"""Checked by the lint session's mypy (``[tool.mypy] files``), never run: a type checker
sees the keywords every broker and router takes as named, typed parameters.

Each ``type: ignore[arg-type]`` below must be needed (``warn_unused_ignores``): were a
keyword only part of ``**kwargs: Any``, the wrong type would pass and mypy would fail.
"""

from __future__ import annotations

from faststream_fastapi.confluent import KafkaBroker as ConfluentBroker
from faststream_fastapi.confluent.fastapi import KafkaRouter as ConfluentRouter
from faststream_fastapi.kafka import KafkaBroker
from faststream_fastapi.kafka.fastapi import KafkaRouter
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.nats.fastapi import NatsRouter
from faststream_fastapi.rabbit import RabbitBroker
from faststream_fastapi.rabbit.fastapi import RabbitRouter
from faststream_fastapi.redis import RedisBroker
from faststream_fastapi.redis.fastapi import RedisRouter


def well_typed() -> None:
    NatsBroker("nats://localhost:4222", graceful_timeout=1.0, log_level=10, user="svc")
    RabbitBroker(security=None, prefetch_count=5, on_return_raises=True)
    RedisBroker("redis://localhost:6379", request_timeout=2.0, max_connections=5)
    KafkaBroker("localhost:9092", max_message_bytes=1024, group_id="g")
    ConfluentBroker(middlewares=(), session_timeout_ms=3000)
    KafkaRouter("localhost:9092", schema_url=None, setup_state=False, graceful_timeout=1.0)
    RabbitRouter(include_in_schema=False, prefix="/orders")


def client_keywords() -> None:
    """Each client library's keywords, by name and type, on the broker and its router."""
    RedisBroker(url="redis://localhost:6379", db=1, socket_timeout=2.5, ssl=False, protocol=3)
    RedisRouter("redis://localhost:6379", prefix="/r", max_connections=5, pool_timeout=1.0)
    NatsBroker(servers=["nats://a:4222", "nats://b:4222"], name="svc", connect_timeout=3)
    NatsRouter("nats://localhost:4222", protocol="nats", max_reconnect_attempts=5)
    RabbitBroker("amqp://localhost/", host="h", port=5671, virtualhost="/v", timeout=3.0)
    RabbitRouter(url="amqp://localhost/", prefetch_count=5, login="u", password="p")
    KafkaBroker(["a:9092", "b:9092"], client_id="svc", enable_idempotence=True, linger_ms=5)
    KafkaRouter(bootstrap_servers="localhost:9092", auto_offset_reset="earliest", acks="all")
    ConfluentBroker("localhost:9092", client_id="svc", session_timeout_ms=3000, debug="all")
    ConfluentRouter(prefix="/k", group_id="g", connect_timeout=5.0, sasl_username="u")


def wrongly_typed() -> None:
    NatsBroker(graceful_timeout="soon")  # type: ignore[arg-type]
    RedisBroker(max_message_bytes="1k")  # type: ignore[arg-type]
    RabbitBroker(log_level="debug")  # type: ignore[arg-type]
    KafkaBroker(request_timeout="2s")  # type: ignore[arg-type]
    KafkaRouter(schema_url=1)  # type: ignore[arg-type]
    RabbitRouter(setup_state="yes")  # type: ignore[arg-type]
    RabbitRouter(graceful_timeout="soon")  # type: ignore[arg-type]
    KafkaRouter(prefix=1)  # type: ignore[arg-type]


def wrong_client_keywords() -> None:
    RedisBroker(max_conections=5)  # type: ignore[call-arg]
    RedisBroker(db=[1])  # type: ignore[arg-type]
    RedisRouter(port="6379")  # type: ignore[arg-type]
    NatsBroker(servers=4222)  # type: ignore[arg-type]
    NatsBroker(max_reconect_attempts=5)  # type: ignore[call-arg]
    NatsRouter(allow_reconnect="yes")  # type: ignore[arg-type]
    RabbitBroker(prefetch_count="10")  # type: ignore[arg-type]
    RabbitRouter(virtual_host="/v")  # type: ignore[call-arg]
    KafkaBroker(bootstrap_servers=9092)  # type: ignore[arg-type]
    KafkaBroker(group="g")  # type: ignore[call-arg]
    KafkaRouter(enable_auto_commit="no")  # type: ignore[arg-type]
    ConfluentBroker(session_timeout_ms="3s")  # type: ignore[arg-type]
    ConfluentRouter(connect_timeout="5s")  # type: ignore[arg-type]

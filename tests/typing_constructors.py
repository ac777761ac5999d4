"""Checked by the lint session's mypy (``[tool.mypy] files``), never run: a type checker
sees the keywords every broker and router takes as named, typed parameters.

Each ``type: ignore[arg-type]`` below must be needed (``warn_unused_ignores``): were a
keyword only part of ``**kwargs: Any``, the wrong type would pass and mypy would fail.
"""

from __future__ import annotations

from faststream_fastapi.confluent import KafkaBroker as ConfluentBroker
from faststream_fastapi.kafka import KafkaBroker
from faststream_fastapi.kafka.fastapi import KafkaRouter
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.rabbit import RabbitBroker
from faststream_fastapi.rabbit.fastapi import RabbitRouter
from faststream_fastapi.redis import RedisBroker


def well_typed() -> None:
    NatsBroker("nats://localhost:4222", graceful_timeout=1.0, log_level=10, user="svc")
    RabbitBroker(security=None, prefetch_count=5, on_return_raises=True)
    RedisBroker("redis://localhost:6379", request_timeout=2.0, max_connections=5)
    KafkaBroker("localhost:9092", max_message_bytes=1024, group_id="g")
    ConfluentBroker(middlewares=(), session_timeout_ms=3000)
    KafkaRouter("localhost:9092", schema_url=None, setup_state=False, graceful_timeout=1.0)
    RabbitRouter(include_in_schema=False, prefix="/orders")


def wrongly_typed() -> None:
    NatsBroker(graceful_timeout="soon")  # type: ignore[arg-type]
    RedisBroker(max_message_bytes="1k")  # type: ignore[arg-type]
    RabbitBroker(log_level="debug")  # type: ignore[arg-type]
    KafkaBroker(request_timeout="2s")  # type: ignore[arg-type]
    KafkaRouter(schema_url=1)  # type: ignore[arg-type]
    RabbitRouter(setup_state="yes")  # type: ignore[arg-type]
    RabbitRouter(graceful_timeout="soon")  # type: ignore[arg-type]
    KafkaRouter(prefix=1)  # type: ignore[arg-type]

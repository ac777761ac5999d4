"""``TestKafkaBroker`` for the aiokafka broker: Kafka's routing rules in memory."""

from __future__ import annotations

from .._kafka.memory import KafkaMemoryTransport, TestKafkaBroker

__all__ = ["KafkaMemoryTransport", "TestKafkaBroker"]

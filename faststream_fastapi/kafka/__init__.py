"""Kafka through aiokafka: topics, partitions, consumer groups, batches."""

from ..core.extras import needs

with needs("kafka", "aiokafka"):
    from .._kafka.message import KafkaMessage
    from .._kafka.specs import KafkaTopic, TopicPartition
    from ..core.ack import AckPolicy
    from . import fastapi
    from .broker import KafkaBroker, KafkaRouter
    from .testing import TestKafkaBroker

__all__ = [
    "AckPolicy",
    "KafkaBroker",
    "KafkaMessage",
    "KafkaRouter",
    "KafkaTopic",
    "TestKafkaBroker",
    "TopicPartition",
    "fastapi",
]

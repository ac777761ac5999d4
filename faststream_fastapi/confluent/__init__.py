"""Kafka through confluent-kafka (librdkafka): topics, partitions, consumer groups, batches."""

from .._kafka.message import KafkaMessage
from .._kafka.response import KafkaResponse
from .._kafka.specs import KafkaTopic, TopicPartition
from ..core.ack import AckPolicy
from . import fastapi
from .broker import KafkaBroker, KafkaRouter
from .testing import TestKafkaBroker

__all__ = [
    "AckPolicy",
    "KafkaBroker",
    "KafkaMessage",
    "KafkaResponse",
    "KafkaRouter",
    "KafkaTopic",
    "TestKafkaBroker",
    "TopicPartition",
    "fastapi",
]

"""What a Kafka broker on confluent-kafka is, for the layers every broker shares."""

from __future__ import annotations

from .._kafka.descriptor import kafka_descriptor
from .security import CONFLUENT_SECURITY

CONFLUENT = kafka_descriptor("confluent", label="confluent", security=CONFLUENT_SECURITY)

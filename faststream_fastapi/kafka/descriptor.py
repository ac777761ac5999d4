"""What a Kafka broker on aiokafka is, for the layers every broker shares."""

from __future__ import annotations

from .._kafka.descriptor import kafka_descriptor
from .security import AIOKAFKA_SECURITY

AIOKAFKA = kafka_descriptor("aiokafka", label="kafka", security=AIOKAFKA_SECURITY)

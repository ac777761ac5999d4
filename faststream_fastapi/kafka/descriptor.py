"""What a Kafka broker on aiokafka is, for the layers every broker shares."""

from __future__ import annotations

from .._kafka.descriptor import KAFKA, fan_out_fix
from ..core.descriptor import BrokerDescriptor
from .security import AIOKAFKA_SECURITY

AIOKAFKA = BrokerDescriptor(
    name="KafkaBroker (aiokafka)",
    protocol=KAFKA,
    security=AIOKAFKA_SECURITY,
    fan_out_fix=fan_out_fix,
)

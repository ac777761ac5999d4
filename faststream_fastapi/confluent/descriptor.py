"""What a Kafka broker on confluent-kafka is, for the layers every broker shares."""

from __future__ import annotations

from .._kafka.descriptor import KAFKA, fan_out_fix
from ..core.descriptor import BrokerDescriptor
from .security import CONFLUENT_SECURITY

CONFLUENT = BrokerDescriptor(
    name="KafkaBroker (confluent)",
    protocol=KAFKA,
    security=CONFLUENT_SECURITY,
    label="confluent",
    fan_out_fix=fan_out_fix,
)

"""``TestKafkaBroker`` for the aiokafka broker: Kafka's routing rules in memory."""

from __future__ import annotations

from .._kafka.memory import TestKafkaBroker as _TestKafkaBroker
from .broker import KafkaBroker


class TestKafkaBroker(_TestKafkaBroker[KafkaBroker]):
    """``async with TestKafkaBroker(broker) as br:`` — no Kafka cluster needed.

    ``partitions=n`` gives each topic n partitions (default 1).
    """

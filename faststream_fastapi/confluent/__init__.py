"""Kafka through confluent-kafka (librdkafka): topics, partitions, consumer groups, batches."""

from ..core.extras import needs

with needs("confluent", "confluent_kafka"):
    from .. import _kafka
    from .._kafka import *  # noqa: F403  (what both Kafka packages export: _kafka.__all__)
    from . import fastapi
    from .broker import KafkaBroker, KafkaRouter
    from .testing import TestKafkaBroker

__all__ = ["KafkaBroker", "KafkaRouter", "TestKafkaBroker", "fastapi"]
__all__ += _kafka.__all__

# FastStream 0.5 re-exports the app test runner from each broker package.
from ..core.testing_app import TestApp  # noqa: E402

__all__ += ["TestApp"]

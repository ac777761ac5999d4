"""``KafkaBroker`` and the plain ``KafkaRouter`` on aiokafka."""

from __future__ import annotations

import inspect

from .._kafka.facade import KafkaBrokerBase, KafkaRouterBase
from .descriptor import AIOKAFKA
from .transport import AiokafkaTransport


class KafkaRouter(KafkaRouterBase):
    """Groups Kafka subscribers and publishers, optionally under a topic ``prefix``."""

    descriptor = AIOKAFKA


class KafkaBroker(KafkaBrokerBase):
    transport_class = AiokafkaTransport
    descriptor = AIOKAFKA


KafkaBroker.__doc__ = (
    'A Kafka cluster through aiokafka: ``KafkaBroker("localhost:9092", **options)``.\n\n'
    "``options`` are aiokafka's producer and consumer keywords (each client takes\n"
    "the ones it knows); a subscriber's own keywords override them for its consumer.\n"
    "``connect_timeout`` (seconds, default 10) bounds connecting.\n\n"
    + inspect.cleandoc(KafkaBrokerBase.__doc__ or "").split("\n", 1)[1].lstrip("\n")
)

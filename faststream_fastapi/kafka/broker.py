"""``KafkaBroker`` and the plain ``KafkaRouter`` on aiokafka."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from typing_extensions import Unpack

from .._kafka.facade import KafkaBrokerBase, KafkaRouterBase
from ..security.facade import keywords_of, own
from .descriptor import AIOKAFKA
from .transport import AiokafkaTransport


class KafkaRouter(KafkaRouterBase):
    """Groups Kafka subscribers and publishers, optionally under a topic ``prefix``."""

    descriptor = AIOKAFKA


if TYPE_CHECKING:
    from ..security.keywords import Servers
    from .keywords import KafkaKeywords as Kwargs


class KafkaBroker(KafkaBrokerBase):
    if TYPE_CHECKING:  # the constructor's keywords by name and type

        def __init__(self, bootstrap_servers: Servers = None, **kwargs: Unpack[Kwargs]) -> None: ...

    descriptor = AIOKAFKA
    transport_class = AiokafkaTransport

    #: aiokafka's producer and consumer keywords: each client takes the ones it knows.
    client_keywords = (
        own("connect_timeout", 10.0, "float"),
        *keywords_of(
            AIOKafkaProducer.__init__,
            AIOKafkaConsumer.__init__,
            skip=["loop", "bootstrap_servers", "topics"],
        ),
    )


KafkaBroker.__doc__ = (
    'A Kafka cluster through aiokafka: ``KafkaBroker("localhost:9092", **options)``.\n\n'
    "``options`` are aiokafka's producer and consumer keywords (each client takes\n"
    "the ones it knows); a subscriber's own keywords override them for its consumer.\n"
    "``connect_timeout`` (seconds, default 10) bounds connecting.\n\n"
    + inspect.cleandoc(KafkaBrokerBase.__doc__ or "").split("\n", 1)[1].lstrip("\n")
)

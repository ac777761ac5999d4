"""``KafkaBroker`` and the plain ``KafkaRouter`` on confluent-kafka."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from .._kafka.facade import KafkaBrokerBase, KafkaRouterBase
from ..security.facade import Factory, own
from . import settings
from .config import BrokerConfig
from .descriptor import CONFLUENT
from .transport import ConfluentTransport

if TYPE_CHECKING:
    from ..security.keywords import Servers
    from .keywords import ConfluentKeywords as Kwargs


class KafkaRouter(KafkaRouterBase):
    """Groups Kafka subscribers and publishers, optionally under a topic ``prefix``."""

    descriptor = CONFLUENT


class KafkaBroker(KafkaBrokerBase):
    transport_class = ConfluentTransport
    descriptor = CONFLUENT
    # librdkafka's configuration has hundreds of names, checked at construction.
    open_keywords = True
    client_keywords = (
        own("connect_timeout", 10.0, "float"),
        own("config", None, "Mapping[str, Any] | None"),
    )
    #: ``config=`` as given (FastStream 0.5's ``broker.config.as_config_dict()``).
    config: BrokerConfig

    @classmethod
    def check_open_keywords(cls, owner: str, options: Mapping[str, Any]) -> None:
        settings.check(owner, options)

    def _client(self, address: Any, options: dict[str, Any]) -> tuple[Any, Factory]:
        # ``config={"linger.ms": 5}`` (0.5's form) under the keywords: a keyword wins.
        self.config = BrokerConfig(options.pop("config", None))
        given = self.config.as_config_dict()
        if given:
            settings.check(type(self).__name__, given, what="config property")
            merged = {**given, **options}  # in this order: the keyword's spelling comes last
            options.clear()
            options.update(merged)
        return super()._client(address, options)

    if TYPE_CHECKING:  # the constructor's keywords by name and type

        def __init__(self, bootstrap_servers: Servers = None, **kwargs: Unpack[Kwargs]) -> None: ...


KafkaBroker.__doc__ = (
    'A Kafka cluster through confluent-kafka: ``KafkaBroker("localhost:9092", **properties)``.\n\n'
    "``properties`` are librdkafka configuration, for the producer and every consumer;\n"
    "underscores stand for dots (``session_timeout_ms=3000`` is ``session.timeout.ms``).\n"
    '``config={"session.timeout.ms": 3000}`` (FastStream 0.5\'s form) gives them by their\n'
    "dotted names (enums of ``confluent.config`` as values); a keyword wins over it.\n"
    "``connect_timeout`` (seconds, default 10) bounds connecting and flushing.\n"
    "A subscriber's own keywords override the configuration for its consumer.\n"
    "``allow_auto_create_topics`` (default ``True``): a subscriber creates its topics\n"
    "with one partition when it starts; ``False`` creates none and logs a warning.\n\n"
    + inspect.cleandoc(KafkaBrokerBase.__doc__ or "").split("\n", 1)[1].lstrip("\n")
)

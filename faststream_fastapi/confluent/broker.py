"""``KafkaBroker`` and the plain ``KafkaRouter`` on confluent-kafka."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from .._kafka.facade import KafkaBrokerBase, KafkaRouterBase
from ..security.facade import own
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

    @classmethod
    def check_open_keywords(cls, owner: str, options: Mapping[str, Any]) -> None:
        settings.check(owner, options)

    #: ``config=`` as given (FastStream 0.5's ``broker.config.as_config_dict()``).
    config: BrokerConfig

    def _client(self, address: Any, options: dict[str, Any]) -> tuple[Any, Any]:
        """``config=`` (FastStream 0.5's): librdkafka properties by their own dotted
        names, under the keywords given (a keyword wins over its property); an enum
        of ``confluent.config`` goes as its value."""
        extra = options.pop("config", None)
        if extra is not None and not isinstance(extra, Mapping):
            raise TypeError(
                f"{type(self).__name__}(config=...) takes a mapping of librdkafka "
                f"properties, not {type(extra).__name__}"
            )
        self.config = BrokerConfig(extra)
        extra = self.config.as_config_dict()
        if extra:
            settings.check(type(self).__name__, extra, what="config property")
            merged = {**extra, **options}
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

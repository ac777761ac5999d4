"""``faststream_fastapi.kafka.fastapi``: the aiokafka ``StreamRouter`` and annotations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from typing_extensions import Unpack

from .._kafka.message import KafkaMessage as _KafkaMessage
from ..core.context import Context, Logger
from ..fastapi.annotations import ContextRepo
from ..fastapi.router import StreamRouter
from ..fastapi.typed import ProtocolKeyword, RouterKeywords
from ..security.keywords import Servers
from .broker import KafkaBroker as _KafkaBroker
from .keywords import AiokafkaClientKeywords

KafkaMessage = Annotated[_KafkaMessage, Context("message")]
KafkaBroker = Annotated[_KafkaBroker, Context("broker")]
#: FastStream 0.5's producer annotations: the broker, whose ``publish`` it was.
KafkaProducer = KafkaBroker


class KafkaRouterKeywords(RouterKeywords, AiokafkaClientKeywords, ProtocolKeyword, total=False):
    """``KafkaRouter``'s keywords besides ``bootstrap_servers``."""


class KafkaRouter(StreamRouter[_KafkaBroker]):
    """An ``APIRouter`` with a ``KafkaBroker``: ``KafkaRouter("localhost:9092")``."""

    broker_class = _KafkaBroker

    if TYPE_CHECKING:  # the constructor's keywords by name and type

        def __init__(
            self, bootstrap_servers: Servers = None, **kwargs: Unpack[KafkaRouterKeywords]
        ) -> None: ...


__all__ = ["Context", "ContextRepo", "Logger"]
__all__ += ["KafkaBroker", "KafkaMessage", "KafkaProducer", "KafkaRouter"]

"""``faststream_fastapi.rabbit.fastapi``: the RabbitMQ ``StreamRouter`` and annotations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aio_pika import RobustChannel, RobustConnection
from typing_extensions import Unpack

from ..core.context import Context, Logger
from ..core.message import StreamMessage
from ..fastapi.annotations import ContextRepo
from ..fastapi.router import StreamRouter
from ..fastapi.typed import ProtocolKeyword, RouterKeywords
from .broker import RabbitBroker as _RabbitBroker
from .keywords import RabbitClientKeywords

RabbitMessage = Annotated[StreamMessage, Context("message")]
RabbitBroker = Annotated[_RabbitBroker, Context("broker")]
#: FastStream 0.5's producer annotations: the broker, whose ``publish`` it was.
RabbitProducer = RabbitBroker
#: aio-pika's connection and the channel the broker publishes on, as in FastStream 0.5.
Connection = Annotated[RobustConnection, Context("broker.transport.connection")]
Channel = Annotated[RobustChannel, Context("broker.transport.channel")]


if TYPE_CHECKING:
    from yarl import URL


class RabbitRouterKeywords(RouterKeywords, RabbitClientKeywords, ProtocolKeyword, total=False):
    """``RabbitRouter``'s keywords besides ``url``."""


class RabbitRouter(StreamRouter[_RabbitBroker]):
    """An ``APIRouter`` with a ``RabbitBroker``: ``RabbitRouter("amqp://guest:guest@localhost:5672/")``.

    It takes the broker's keywords too: ``prefetch_count``, ``on_return_raises``, ``host``, ...
    """

    broker_class = _RabbitBroker

    if TYPE_CHECKING:  # the constructor's keywords by name and type (``keywords.py``)

        def __init__(
            self, url: str | URL | None = None, **kwargs: Unpack[RabbitRouterKeywords]
        ) -> None: ...


__all__ = ["Context", "ContextRepo", "Logger"]
__all__ += ["RabbitBroker", "RabbitMessage", "RabbitProducer", "RabbitRouter"]
__all__ += ["Channel", "Connection"]

"""``faststream_fastapi.nats.fastapi``: the NATS ``StreamRouter`` and annotations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends
from nats.aio.client import Client as _Client
from nats.js import JetStreamContext as _JetStreamContext
from nats.js.object_store import ObjectStore as _ObjectStore
from typing_extensions import Unpack

from ..core.context import Context, Logger
from ..core.message import StreamMessage
from ..fastapi.annotations import ContextRepo
from ..fastapi.router import StreamRouter
from ..fastapi.typed import ProtocolKeyword, RouterKeywords
from .broker import NatsBroker as _NatsBroker
from .keywords import NatsClientKeywords

NatsMessage = Annotated[StreamMessage, Context("message")]
NatsBroker = Annotated[_NatsBroker, Context("broker")]
#: FastStream 0.5's producer annotations: the broker, whose ``publish`` it was.
NatsProducer = NatsJsProducer = NatsBroker


def _jetstream(broker: NatsBroker) -> _JetStreamContext:
    return broker.transport._jetstream()  # type: ignore[attr-defined, no-any-return]


#: The nats-py client and its JetStream context, as in FastStream 0.5.
Client = Annotated[_Client, Context("broker.transport.client")]
JsClient = Annotated[_JetStreamContext, Depends(_jetstream)]


async def _object_store(message: NatsMessage, broker: NatsBroker) -> Any:
    return await broker.object_storage(message.raw.bucket)


#: The object store an ``obj_watch=`` subscriber's message came from (FastStream 0.5).
ObjectStorage = Annotated[_ObjectStore, Depends(_object_store)]


if TYPE_CHECKING:
    from collections.abc import Sequence


class NatsRouterKeywords(RouterKeywords, NatsClientKeywords, ProtocolKeyword, total=False):
    """``NatsRouter``'s keywords besides ``servers``."""


class NatsRouter(StreamRouter[_NatsBroker]):
    """An ``APIRouter`` with a ``NatsBroker``: ``NatsRouter("nats://localhost:4222")``."""

    broker_class = _NatsBroker

    if TYPE_CHECKING:  # the constructor's keywords by name and type (``keywords.py``)

        def __init__(
            self, servers: str | Sequence[str] | None = None, **kwargs: Unpack[NatsRouterKeywords]
        ) -> None: ...


__all__ = ["Context", "ContextRepo", "Logger"]
__all__ += [
    "Client",
    "JsClient",
    "NatsBroker",
    "NatsJsProducer",
    "NatsMessage",
    "NatsProducer",
    "NatsRouter",
    "ObjectStorage",
]

"""``faststream_fastapi.nats.fastapi``: the NATS ``StreamRouter`` and annotations."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from nats.aio.client import Client as _Client
from nats.js import JetStreamContext as _JetStreamContext

from ..core.context import Context, Logger
from ..core.message import StreamMessage
from ..fastapi.annotations import ContextRepo
from ..fastapi.router import StreamRouter
from .broker import NatsBroker as _NatsBroker

NatsMessage = Annotated[StreamMessage, Context("message")]
NatsBroker = Annotated[_NatsBroker, Context("broker")]
#: FastStream 0.5's producer annotations: the broker, whose ``publish`` it was.
NatsProducer = NatsJsProducer = NatsBroker


def _jetstream(broker: NatsBroker) -> _JetStreamContext:
    return broker.transport._jetstream()  # type: ignore[attr-defined, no-any-return]


#: The nats-py client and its JetStream context, as in FastStream 0.5.
Client = Annotated[_Client, Context("broker.transport.client")]
JsClient = Annotated[_JetStreamContext, Depends(_jetstream)]


class NatsRouter(StreamRouter[_NatsBroker]):
    """An ``APIRouter`` with a ``NatsBroker``: ``NatsRouter("nats://localhost:4222")``."""

    broker_class = _NatsBroker


__all__ = ["Context", "ContextRepo", "Logger"]
__all__ += [
    "Client",
    "JsClient",
    "NatsBroker",
    "NatsJsProducer",
    "NatsMessage",
    "NatsProducer",
    "NatsRouter",
]

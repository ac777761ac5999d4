"""``faststream_fastapi.nats.fastapi``: the NATS ``StreamRouter`` and annotations."""

from __future__ import annotations

from typing import Annotated

from ..core.context import Context, Logger
from ..core.message import StreamMessage
from ..fastapi.router import StreamRouter
from .broker import NatsBroker as _NatsBroker

NatsMessage = Annotated[StreamMessage, Context("message")]
NatsBroker = Annotated[_NatsBroker, Context("broker")]


class NatsRouter(StreamRouter[_NatsBroker]):
    """An ``APIRouter`` with a ``NatsBroker``: ``NatsRouter("nats://localhost:4222")``."""

    broker_class = _NatsBroker


__all__ = ["Context", "Logger", "NatsBroker", "NatsMessage", "NatsRouter"]

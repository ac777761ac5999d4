"""``NatsResponse``: a handler's return value with NATS publish options."""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack

from ..core.response import Response, ResponseOptions, given
from .specs import JStream


class NatsResponse(Response):
    """A ``Response`` published to a JetStream ``stream`` (checked by its ack) when given."""

    def __init__(
        self,
        body: Any = None,
        *,
        stream: str | JStream | None = None,
        **shared: Unpack[ResponseOptions],
    ) -> None:
        super().__init__(body, **shared)
        if isinstance(stream, str):
            stream = JStream(stream)
        self.options = given(stream=stream)

    __slots__ = ()

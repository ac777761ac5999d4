"""``NatsResponse``: a handler's return value with NATS publish options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.response import Response, given
from .specs import JStream


class NatsResponse(Response):
    """A ``Response`` published to a JetStream ``stream`` (checked by its ack) when given."""

    __slots__ = ()

    def __init__(
        self,
        body: Any = None,
        *,
        headers: Mapping[str, Any] | None = None,
        correlation_id: str | None = None,
        stream: str | JStream | None = None,
    ) -> None:
        super().__init__(body, headers=headers, correlation_id=correlation_id)
        if isinstance(stream, str):
            stream = JStream(stream)
        self.options = given(stream=stream)

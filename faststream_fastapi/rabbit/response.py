"""``RabbitResponse``: a handler's return value with RabbitMQ publish options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.response import Response, given


class RabbitResponse(Response):
    """A ``Response`` with the options of ``RabbitBroker.publish``."""

    __slots__ = ()

    def __init__(
        self,
        body: Any = None,
        *,
        headers: Mapping[str, Any] | None = None,
        correlation_id: str | None = None,
        message_id: str | None = None,
        priority: int | None = None,
        expiration: float | None = None,
        persist: bool | None = None,
        mandatory: bool | None = None,
        timeout: float | None = None,
    ) -> None:
        super().__init__(body, headers=headers, correlation_id=correlation_id)
        self.options = given(
            message_id=message_id,
            priority=priority,
            expiration=expiration,
            persist=persist,
            mandatory=mandatory,
            timeout=timeout,
        )

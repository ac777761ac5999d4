"""``RabbitResponse``: a handler's return value with RabbitMQ publish options."""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack

from ..core.response import Response, ResponseOptions, given


class RabbitResponse(Response):
    """A ``Response`` with the options of ``RabbitBroker.publish``."""

    __slots__ = ()

    def __init__(
        self,
        body: Any = None,
        *,
        message_id: str | None = None,
        priority: int | None = None,
        expiration: float | None = None,
        persist: bool | None = None,
        mandatory: bool | None = None,
        timeout: float | None = None,
        **shared: Unpack[ResponseOptions],
    ) -> None:
        super().__init__(body, **shared)
        self.options = given(
            message_id=message_id,
            priority=priority,
            expiration=expiration,
            persist=persist,
            mandatory=mandatory,
            timeout=timeout,
        )

"""``KafkaResponse``: a handler's return value with Kafka record options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.response import Response, given


class KafkaResponse(Response):
    """A ``Response`` with a record ``key``, ``partition`` and ``timestamp_ms``."""

    __slots__ = ()

    def __init__(
        self,
        body: Any = None,
        *,
        headers: Mapping[str, Any] | None = None,
        correlation_id: str | None = None,
        key: bytes | str | None = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
    ) -> None:
        super().__init__(body, headers=headers, correlation_id=correlation_id)
        self.options = given(key=key, partition=partition, timestamp_ms=timestamp_ms)

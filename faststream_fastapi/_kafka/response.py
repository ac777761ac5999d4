"""``KafkaResponse``: a handler's return value with Kafka record options."""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack

from ..core.response import Response, ResponseOptions, given
from .facade import Key


class KafkaResponse(Response):
    """A ``Response`` with a record ``key``, ``partition`` and ``timestamp_ms``: where
    it goes to a ``@publisher`` topic, the record is published with them."""

    __slots__ = ()

    def __init__(
        self,
        body: Any = None,
        *,
        key: Key = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
        **shared: Unpack[ResponseOptions],
    ) -> None:
        super().__init__(body, **shared)
        self.options = given(key=key, partition=partition, timestamp_ms=timestamp_ms)

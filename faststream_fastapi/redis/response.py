"""``RedisResponse``: a handler's return value with Redis publish options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.response import Response, given


class RedisResponse(Response):
    """A ``Response`` with ``maxlen`` (a stream destination's length cap)."""

    __slots__ = ()

    def __init__(
        self,
        body: Any = None,
        *,
        headers: Mapping[str, Any] | None = None,
        correlation_id: str | None = None,
        maxlen: int | None = None,
    ) -> None:
        super().__init__(body, headers=headers, correlation_id=correlation_id)
        self.options = given(maxlen=maxlen)

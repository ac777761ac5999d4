"""``RedisResponse``: a handler's return value with Redis publish options."""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack

from ..core.response import Response, ResponseOptions, given


class RedisResponse(Response):
    """A ``Response`` with ``maxlen`` (a stream destination's length cap)."""

    def __init__(
        self,
        body: Any = None,
        *,
        maxlen: int | None = None,
        **shared: Unpack[ResponseOptions],
    ) -> None:
        super().__init__(body, **shared)
        self.options = given(maxlen=maxlen)

    __slots__ = ()

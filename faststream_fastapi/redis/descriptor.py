"""What a Redis broker is, for the layers every broker shares."""

from __future__ import annotations

from typing import Any

from ..core.descriptor import BrokerDescriptor, WireProtocol
from .security import REDIS_PY
from .specs import PubSub, StreamSub


def _fan_out_fix(spec: Any) -> str | None:
    if isinstance(spec, PubSub):
        return (
            "to share them, use a list (list=...) or a stream with a consumer group"
            " (stream=StreamSub(..., group=..., consumer=...))"
        )
    if isinstance(spec, StreamSub) and spec.group is None:
        return "to share them, give the StreamSub a group= (a stream consumer group)"
    return None


REDIS = BrokerDescriptor(
    name="RedisBroker",
    protocol=WireProtocol("redis", tls="rediss", default_port=6379, also_accepts=("unix",)),
    security=REDIS_PY,
    fan_out_fix=_fan_out_fix,
)

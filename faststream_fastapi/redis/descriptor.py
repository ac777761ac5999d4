"""What a Redis broker is, for the layers every broker shares."""

from __future__ import annotations

from ..core.descriptor import BrokerDescriptor, WireProtocol
from .security import REDIS_PY

REDIS = BrokerDescriptor(
    name="RedisBroker",
    protocol=WireProtocol("redis", tls="rediss", default_port=6379, also_accepts=("unix",)),
    security=REDIS_PY,
)

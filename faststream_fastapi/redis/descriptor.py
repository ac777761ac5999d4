"""What a Redis broker is, for the layers every broker shares."""

from __future__ import annotations

from ..core.descriptor import BrokerDescriptor
from .security import REDIS_PY

REDIS = BrokerDescriptor(
    name="RedisBroker",
    label="redis",
    system="redis",
    protocol="redis",
    tls_protocol="rediss",
    default_port=6379,
    security=REDIS_PY,
)

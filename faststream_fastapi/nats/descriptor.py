"""What a NATS broker is, for the layers every broker shares."""

from __future__ import annotations

from ..core.descriptor import BrokerDescriptor
from .security import NATS_PY

NATS = BrokerDescriptor(
    name="NatsBroker",
    label="nats",
    system="nats",
    protocol="nats",
    tls_protocol="tls",
    default_port=4222,
    security=NATS_PY,
)

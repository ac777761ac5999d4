"""What a NATS broker is, for the layers every broker shares."""

from __future__ import annotations

from ..core.descriptor import BrokerDescriptor, WireProtocol
from .security import NATS_PY

NATS = BrokerDescriptor(
    name="NatsBroker",
    protocol=WireProtocol(
        "nats", tls="tls", default_port=4222, also_accepts=("ws", "wss"), address_keyword="servers"
    ),
    security=NATS_PY,
)

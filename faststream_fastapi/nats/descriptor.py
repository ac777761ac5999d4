"""What a NATS broker is, for the layers every broker shares."""

from __future__ import annotations

from typing import Any

from ..core.descriptor import BrokerDescriptor, WireProtocol
from .security import NATS_PY
from .specs import NatsSub


def _fan_out_fix(spec: Any) -> str | None:
    if isinstance(spec, NatsSub) and (spec.kv_watch or spec.obj_watch):
        return "a bucket watch cannot be shared: watch it from one process if that matters"
    if isinstance(spec, NatsSub) and spec.queue is None and spec.durable is None:
        return "to share them, give it queue= (a queue group) or a durable JetStream consumer"
    return None


NATS = BrokerDescriptor(
    name="NatsBroker",
    protocol=WireProtocol(
        "nats", tls="tls", default_port=4222, also_accepts=("ws", "wss"), address_keyword="servers"
    ),
    security=NATS_PY,
    fan_out_fix=_fan_out_fix,
)

"""Kafka's protocol, whichever client library speaks it."""

from __future__ import annotations

from typing import Any

from ..core.descriptor import WireProtocol
from .specs import KafkaTopic

#: Bootstrap servers say ``PLAINTEXT://``, ``SASL_SSL://`` or nothing: not a protocol.
KAFKA = WireProtocol(
    "kafka",
    tls="kafka-secure",
    default_port=9092,
    keeps_url_scheme=False,
    also_accepts=("plaintext", "ssl", "sasl_plaintext", "sasl_ssl"),
    address_keyword="bootstrap_servers",
)


def fan_out_fix(spec: Any) -> str | None:
    """A Kafka consumer without a group reads every partition in each process."""
    if isinstance(spec, KafkaTopic) and spec.group_id is None:
        return "to share them, give it group_id= (a consumer group)"
    return None

"""Kafka's protocol, whichever client library speaks it."""

from __future__ import annotations

from ..core.descriptor import WireProtocol

#: Bootstrap servers say ``PLAINTEXT://``, ``SASL_SSL://`` or nothing: not a protocol.
KAFKA = WireProtocol(
    "kafka",
    tls="kafka-secure",
    default_port=9092,
    keeps_url_scheme=False,
    also_accepts=("plaintext", "ssl", "sasl_plaintext", "sasl_ssl"),
    address_keyword="bootstrap_servers",
)

"""What a Kafka broker is, whichever client library speaks for it."""

from __future__ import annotations

from ..core.descriptor import BrokerDescriptor
from ..security.clients import ClientSecurity


def kafka_descriptor(client: str, *, label: str, security: ClientSecurity) -> BrokerDescriptor:
    """The descriptor of ``KafkaBroker`` on ``client`` (``"aiokafka"``, ``"confluent"``)."""
    return BrokerDescriptor(
        name=f"KafkaBroker ({client})",
        label=label,
        system="kafka",
        protocol="kafka",
        tls_protocol="kafka-secure",
        default_port=9092,
        security=security,
        # Bootstrap servers say PLAINTEXT://, SASL_SSL:// or nothing: not a protocol.
        keeps_url_scheme=False,
    )

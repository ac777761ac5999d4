"""``KafkaBroker``'s and ``KafkaRouter``'s keywords on confluent-kafka, for type
checkers (see ``security/keywords.py``).

librdkafka's configuration is open (hundreds of names, checked when the broker is
built); the type checker knows the names FastStream 0.5's confluent broker named
and the commonest others. Another name still works at run time (with a
``# type: ignore[call-arg]`` for the type checker).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from ..security.keywords import BrokerKeywords


class ConfluentClientKeywords(TypedDict, total=False):
    connect_timeout: float
    config: Mapping[str, Any] | None
    allow_auto_create_topics: bool
    client_id: str
    request_timeout_ms: int
    retry_backoff_ms: int
    metadata_max_age_ms: int
    connections_max_idle_ms: int
    acks: int | str
    compression_type: str
    partitioner: str
    message_max_bytes: int
    linger_ms: int
    enable_idempotence: bool
    transactional_id: str
    transaction_timeout_ms: int
    group_id: str
    group_instance_id: str
    session_timeout_ms: int
    heartbeat_interval_ms: int
    max_poll_interval_ms: int
    auto_offset_reset: str
    enable_auto_commit: bool
    auto_commit_interval_ms: int
    fetch_min_bytes: int
    fetch_max_bytes: int
    fetch_wait_max_ms: int
    isolation_level: str
    security_protocol: str
    sasl_mechanism: str
    sasl_mechanisms: str
    sasl_username: str
    sasl_password: str
    ssl_ca_location: str
    ssl_certificate_location: str
    ssl_key_location: str
    ssl_key_password: str
    client_rack: str
    debug: str


class ConfluentKeywords(BrokerKeywords, ConfluentClientKeywords, total=False):
    """``KafkaBroker``'s keywords besides ``bootstrap_servers``."""

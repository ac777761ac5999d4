"""``KafkaBroker``'s and ``KafkaRouter``'s keywords on aiokafka, for type checkers
(its producer's and consumer's keywords; see ``security/keywords.py``)."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Sequence
from typing import Any, TypedDict

from ..security.keywords import BrokerKeywords


class AiokafkaClientKeywords(TypedDict, total=False):
    connect_timeout: float
    client_id: str | None
    metadata_max_age_ms: int
    request_timeout_ms: int
    api_version: str
    acks: int | str
    key_serializer: Callable[[Any], bytes] | None
    value_serializer: Callable[[Any], bytes] | None
    compression_type: str | None
    max_batch_size: int
    partitioner: Callable[..., Any]
    max_request_size: int
    linger_ms: int
    retry_backoff_ms: int
    #: aiokafka < 0.11's (a newer one refuses it)
    send_backoff_ms: int
    security_protocol: str
    ssl_context: ssl.SSLContext | None
    connections_max_idle_ms: int
    enable_idempotence: bool
    transactional_id: str | None
    transaction_timeout_ms: int
    sasl_mechanism: str
    sasl_plain_password: str | None
    sasl_plain_username: str | None
    sasl_kerberos_service_name: str
    sasl_kerberos_domain_name: str | None
    sasl_oauth_token_provider: Any
    group_id: str | None
    group_instance_id: str | None
    key_deserializer: Callable[[bytes], Any] | None
    value_deserializer: Callable[[bytes], Any] | None
    fetch_max_wait_ms: int
    fetch_max_bytes: int
    fetch_min_bytes: int
    max_partition_fetch_bytes: int
    auto_offset_reset: str
    enable_auto_commit: bool
    auto_commit_interval_ms: int
    check_crcs: bool
    partition_assignment_strategy: Sequence[Any]
    max_poll_interval_ms: int
    rebalance_timeout_ms: int | None
    session_timeout_ms: int
    heartbeat_interval_ms: int
    consumer_timeout_ms: int
    max_poll_records: int | None
    exclude_internal_topics: bool
    isolation_level: str
    client_rack: str | None


class KafkaKeywords(BrokerKeywords, AiokafkaClientKeywords, total=False):
    """``KafkaBroker``'s keywords besides ``bootstrap_servers``."""

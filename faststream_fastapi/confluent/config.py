"""``KafkaBroker(config={...})``: librdkafka configuration by its dotted names, as
FastStream 0.5's confluent broker took it, with 0.5's enums of the values some
properties accept (``faststream.confluent.config``).

A keyword given to the broker (``session_timeout_ms=...``) wins over the same
property in ``config``. The names are checked when the broker is built, as the
keywords are (``settings.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeAlias

#: librdkafka properties by their dotted names (``{"linger.ms": 5}``).
ConfluentConfig: TypeAlias = Mapping[str, Any]


class BuiltinFeatures(str, Enum):
    gzip = "gzip"
    snappy = "snappy"
    ssl = "ssl"
    sasl = "sasl"
    regex = "regex"
    lz4 = "lz4"
    sasl_gssapi = "sasl_gssapi"
    sasl_plain = "sasl_plain"
    sasl_scram = "sasl_scram"
    plugins = "plugins"
    zstd = "zstd"
    sasl_oauthbearer = "sasl_oauthbearer"
    http = "http"
    oidc = "oidc"


class Debug(str, Enum):
    generic = "generic"
    broker = "broker"
    topic = "topic"
    metadata = "metadata"
    feature = "feature"
    queue = "queue"
    msg = "msg"
    protocol = "protocol"
    cgrp = "cgrp"
    security = "security"
    fetch = "fetch"
    interceptor = "interceptor"
    plugin = "plugin"
    consumer = "consumer"
    admin = "admin"
    eos = "eos"
    mock = "mock"
    assignor = "assignor"
    conf = "conf"
    all = "all"


class BrokerAddressFamily(str, Enum):
    any = "any"
    v4 = "v4"
    v6 = "v6"


class SecurityProtocol(str, Enum):
    plaintext = "plaintext"
    ssl = "ssl"
    sasl_plaintext = "sasl_plaintext"
    sasl_ssl = "sasl_ssl"


class SASLOAUTHBearerMethod(str, Enum):
    default = "default"
    oidc = "oidc"


class GroupProtocol(str, Enum):
    classic = "classic"
    consumer = "consumer"


class OffsetStoreMethod(str, Enum):
    none = "none"
    file = "file"
    broker = "broker"


class IsolationLevel(str, Enum):
    read_uncommitted = "read_uncommitted"
    read_committed = "read_committed"


class CompressionCodec(str, Enum):
    none = "none"
    gzip = "gzip"
    snappy = "snappy"
    lz4 = "lz4"
    zstd = "zstd"


class CompressionType(str, Enum):
    none = "none"
    gzip = "gzip"
    snappy = "snappy"
    lz4 = "lz4"
    zstd = "zstd"


class ClientDNSLookup(str, Enum):
    use_all_dns_ips = "use_all_dns_ips"
    resolve_canonical_bootstrap_servers_only = "resolve_canonical_bootstrap_servers_only"


class BrokerConfig:
    """A broker's ``config=``, as ``broker.config`` shows it (FastStream 0.5's form)."""

    def __init__(self, config: ConfluentConfig | None) -> None:
        self.config = dict(config or {})

    def as_config_dict(self) -> dict[str, Any]:
        """The properties as librdkafka takes them: an enum member as its value."""
        return {k: v.value if isinstance(v, Enum) else v for k, v in self.config.items()}


__all__ = [
    "BrokerAddressFamily",
    "BrokerConfig",
    "BuiltinFeatures",
    "ClientDNSLookup",
    "CompressionCodec",
    "CompressionType",
    "ConfluentConfig",
    "Debug",
    "GroupProtocol",
    "IsolationLevel",
    "OffsetStoreMethod",
    "SASLOAUTHBearerMethod",
    "SecurityProtocol",
]

"""What a ``security=`` object means for aiokafka."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._kafka.security import expose_kafka, kafka_only
from ..core.errors import SetupError
from ..security.clients import Applied, ClientSecurity, tls_only
from ..security.objects import BaseSecurity, SASLOAuthBearer, _UserPassword

if TYPE_CHECKING:
    from ..core.descriptor import BrokerDescriptor


def _map(
    d: BrokerDescriptor, url: Any, options: dict[str, Any], sec: BaseSecurity | None
) -> Applied:
    protocol = options.get("security_protocol", "PLAINTEXT")
    mechanism = options.get("sasl_mechanism", "PLAIN")
    out = Applied(url, {}, tls=protocol in ("SSL", "SASL_SSL"))
    if protocol == "SASL_PLAINTEXT" and mechanism == "PLAIN" and options.get("sasl_plain_password"):
        out.exposed.append("sasl_plain_password=")
    if sec is None:
        return out
    kafka_only(d.name, sec)
    context = sec.tls_context()
    if tls_only(sec):
        if context is not None:
            out.options["security_protocol"] = "SSL"
    else:
        out.options["security_protocol"] = "SASL_SSL" if context is not None else "SASL_PLAINTEXT"
        out.options["sasl_mechanism"] = sec.mechanism
    if isinstance(sec, _UserPassword):
        out.options.update(sasl_plain_username=sec.username, sasl_plain_password=sec.password)
    if isinstance(sec, SASLOAuthBearer) and options.get("sasl_oauth_token_provider") is None:
        raise SetupError(
            f"{d.name}: SASLOAuthBearer needs sasl_oauth_token_provider= "
            "(an aiokafka AbstractTokenProvider)"
        )
    expose_kafka(out, sec)
    if context is not None:
        out.options["ssl_context"] = context
        out.tls = True
    return out


AIOKAFKA_SECURITY = ClientSecurity(_map)

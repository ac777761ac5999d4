"""What a ``security=`` object means for confluent-kafka (librdkafka)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._kafka.security import expose_kafka, kafka_only
from ..core.errors import SetupError
from ..security.clients import Applied, ClientSecurity, tls_only
from ..security.objects import BaseSecurity, SASLExternal, _UserPassword

if TYPE_CHECKING:
    from ..core.descriptor import BrokerDescriptor


def _dotted(name: str) -> str:
    return name.replace("_", ".")


def _map(
    d: BrokerDescriptor, url: Any, options: dict[str, Any], sec: BaseSecurity | None
) -> Applied:
    config = {_dotted(k): v for k, v in options.items()}
    protocol = str(config.get("security.protocol", "plaintext")).lower()
    mechanism = str(config.get("sasl.mechanisms", config.get("sasl.mechanism", "GSSAPI")))
    out = Applied(url, {}, tls=protocol in ("ssl", "sasl_ssl"))
    if (
        protocol == "sasl_plaintext"
        and mechanism.upper() == "PLAIN"
        and config.get("sasl.password")
    ):
        out.exposed.append("sasl.password")
    if sec is None:
        return out
    kafka_only(d.name, sec)
    if sec.ssl_context is not None and not (sec.ca_file or sec.cert_file):
        raise SetupError(
            f"{d.name}: confluent-kafka cannot take an ssl.SSLContext; give the "
            f"{type(sec).__name__} ca_file=, cert_file= and key_file= instead"
        )
    if isinstance(sec, SASLExternal) and not sec.cert_file:
        raise SetupError(f"{d.name}: SASLExternal needs cert_file= for confluent-kafka")
    tls = sec.tls
    if tls_only(sec):
        if tls:
            out.options["security.protocol"] = "ssl"
    else:
        out.options["security.protocol"] = "sasl_ssl" if tls else "sasl_plaintext"
        out.options["sasl.mechanisms"] = sec.mechanism
    if isinstance(sec, _UserPassword):
        out.options.update({"sasl.username": sec.username, "sasl.password": sec.password})
    if tls:
        for key, value in (
            ("ssl.ca.location", sec.ca_file),
            ("ssl.certificate.location", sec.cert_file),
            ("ssl.key.location", sec.key_file),
        ):
            if value:
                out.options[key] = value
        out.tls = True
    expose_kafka(out, sec)
    return out


#: Options are librdkafka's, where underscores stand for dots.
CONFLUENT_SECURITY = ClientSecurity(_map, option_key=_dotted)

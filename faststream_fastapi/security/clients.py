"""What a security object means for each client library, decided at construction.

:func:`apply` turns a broker's URL, its client options and its ``security=``
object into the URL and options its transport gives the client library. It
refuses (``SetupError``) what that client cannot do, and an option given both
ways; it also notes credentials that would travel readable, without TLS.
Nothing here imports a client library: brokers whose extra is not installed
must not break the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from ..core.errors import SetupError
from .objects import (
    BaseSecurity,
    NKeys,
    SASLExternal,
    SASLOAuthBearer,
    SASLPlaintext,
    Token,
    _UserPassword,
)

Client = Literal["redis", "nats", "rabbit", "aiokafka", "confluent"]

#: RabbitMQ's built-in account: public knowledge, and loopback-only by default.
_RABBIT_DEFAULT = ("guest", "guest")


@dataclass
class Applied:
    """A broker's client settings once its security object is applied."""

    url: Any
    options: dict[str, Any]
    #: Credentials that travel readable (for the warning), if not over TLS.
    exposed: list[str] = field(default_factory=list)
    tls: bool = False

    @property
    def warning(self) -> str | None:
        if not self.exposed or self.tls:
            return None
        return (
            f"{' and '.join(self.exposed)} would be sent over a connection without TLS, "
            "readable by anyone on the network path; give the security object TLS "
            "(ssl_context=, ca_file= or use_ssl=True) or use a TLS URL"
        )


def apply(
    client: Client,
    broker: str,
    url: Any,
    options: Mapping[str, Any],
    security: BaseSecurity | None,
) -> Applied:
    """The URL and options for ``client``; ``broker`` names it in errors."""
    if security is not None and not isinstance(security, BaseSecurity):
        raise SetupError(
            f"{broker}: security= takes an object of faststream_fastapi.security, "
            f"not {type(security).__name__}"
        )
    applied = _MAPPERS[client](broker, url, dict(options), security)
    given = {_key(client, k) for k in options}
    for key in applied.options:
        if _key(client, key) in given:
            raise SetupError(
                f"{broker}: {key}= is set by security={type(security).__name__}; "
                "give it one way, not both"
            )
    applied.options = {**options, **applied.options}
    return applied


def _key(client: Client, name: str) -> str:
    return name.replace("_", ".") if client == "confluent" else name


def _refuse(broker: str, security: BaseSecurity, hint: str) -> SetupError:
    return SetupError(f"{broker} cannot use {type(security).__name__}: {hint}")


def _tls_only(security: BaseSecurity) -> bool:
    """TLS, possibly with a client certificate, and no other credential."""
    return type(security) is BaseSecurity or isinstance(security, SASLExternal)


def _userinfo(url: str) -> tuple[str | None, str | None]:
    try:
        parts = urlsplit(url if "://" in url else f"//{url}")
    except ValueError:
        return None, None
    if "@" not in parts.netloc:
        return None, None
    return parts.username, parts.password


def _query_has(url: str, name: str) -> bool:
    return any(k == name and v for k, v in parse_qsl(urlsplit(url).query))


# -- redis-py ---------------------------------------------------------------------


def _redis(broker: str, url: Any, options: dict[str, Any], sec: BaseSecurity | None) -> Applied:
    scheme = urlsplit(url).scheme
    user, password = _userinfo(url)
    out = Applied(url, {}, tls=scheme == "rediss" or _ssl_class(options.get("connection_class")))
    if password or _query_has(url, "password"):
        out.exposed.append("the password in the URL")
    if options.get("password"):
        out.exposed.append("password=")
    if sec is None:
        return out
    if isinstance(sec, SASLPlaintext):
        if user or password:
            raise SetupError(f"{broker}: credentials in the URL and in security=; give one")
        out.options.update(username=sec.username, password=sec.password)
        out.exposed.append("the password of SASLPlaintext")
    elif not _tls_only(sec):
        raise _refuse(broker, sec, "Redis takes SASLPlaintext (an ACL user) and TLS")
    context = sec.tls_context()
    if context is not None:
        if scheme == "unix":
            raise SetupError(f"{broker}: TLS does not apply to a unix socket URL")
        from .redis_tls import TLSConnection

        out.options.update(connection_class=TLSConnection, tls_context=context)
        out.tls = True
    return out


def _ssl_class(cls: Any) -> bool:
    return isinstance(cls, type) and any(c.__name__ == "SSLConnection" for c in cls.__mro__)


# -- nats-py ----------------------------------------------------------------------


def _nats(broker: str, url: Any, options: dict[str, Any], sec: BaseSecurity | None) -> Applied:
    servers = [url] if isinstance(url, str) else list(url)
    tls = bool(servers) and all(urlsplit(s).scheme == "tls" for s in servers)
    out = Applied(url, {}, tls=tls or options.get("tls") is not None)
    in_url = any(any(_userinfo(s)) for s in servers)
    if in_url:
        out.exposed.append("the credentials in the server URL")
    out.exposed.extend(f"{k}=" for k in ("password", "token") if options.get(k))
    if sec is None:
        return out
    if isinstance(sec, SASLPlaintext):
        out.options.update(user=sec.username, password=sec.password)
        out.exposed.append("the password of SASLPlaintext")
    elif isinstance(sec, Token):
        out.options["token"] = sec.token
        out.exposed.append("the token of Token")
    elif isinstance(sec, NKeys):
        if sec.seed:
            out.options["nkeys_seed_str"] = sec.seed
        elif sec.seed_file:
            out.options["nkeys_seed"] = sec.seed_file
        else:
            out.options["user_credentials"] = sec.creds_file
    elif not _tls_only(sec):
        raise _refuse(broker, sec, "NATS takes SASLPlaintext, Token, NKeys and TLS")
    if in_url and not _tls_only(sec):
        raise SetupError(f"{broker}: credentials in the server URL and in security=; give one")
    context = sec.tls_context()
    if context is not None:
        out.options["tls"] = context
        out.tls = True
    return out


# -- aio-pika ---------------------------------------------------------------------


def _rabbit(broker: str, url: Any, options: dict[str, Any], sec: BaseSecurity | None) -> Applied:
    parts = urlsplit(url)
    user, password = _userinfo(url)
    out = Applied(url, {}, tls=parts.scheme == "amqps")
    if password and (user, password) != _RABBIT_DEFAULT:
        out.exposed.append("the password in the URL")
    if sec is None:
        return out
    netloc, query = parts.netloc, parse_qsl(parts.query, keep_blank_values=True)
    if isinstance(sec, SASLPlaintext):
        if (user or password) and (user, password) != _RABBIT_DEFAULT:
            raise SetupError(f"{broker}: credentials in the URL and in security=; give one")
        host = netloc.rpartition("@")[2]
        netloc = f"{quote(sec.username, safe='')}:{quote(sec.password, safe='')}@{host}"
        if (sec.username, sec.password) != _RABBIT_DEFAULT:
            out.exposed.append("the password of SASLPlaintext")
    elif isinstance(sec, SASLExternal):
        query = [(k, v) for k, v in query if k != "auth"] + [("auth", "external")]
    elif not _tls_only(sec):
        raise _refuse(broker, sec, "RabbitMQ takes SASLPlaintext, SASLExternal and TLS")
    scheme = parts.scheme
    context = sec.tls_context()
    if context is not None:
        scheme = "amqps"
        out.options["ssl_context"] = context
        out.tls = True
    out.url = urlunsplit((scheme, netloc, parts.path, urlencode(query), parts.fragment))
    return out


# -- aiokafka ---------------------------------------------------------------------


def _aiokafka(broker: str, url: Any, options: dict[str, Any], sec: BaseSecurity | None) -> Applied:
    protocol = options.get("security_protocol", "PLAINTEXT")
    mechanism = options.get("sasl_mechanism", "PLAIN")
    out = Applied(url, {}, tls=protocol in ("SSL", "SASL_SSL"))
    if protocol == "SASL_PLAINTEXT" and mechanism == "PLAIN" and options.get("sasl_plain_password"):
        out.exposed.append("sasl_plain_password=")
    if sec is None:
        return out
    _kafka_only(broker, sec)
    context = sec.tls_context()
    if _tls_only(sec):
        if context is not None:
            out.options["security_protocol"] = "SSL"
    else:
        out.options["security_protocol"] = "SASL_SSL" if context is not None else "SASL_PLAINTEXT"
        out.options["sasl_mechanism"] = sec.mechanism
    if isinstance(sec, _UserPassword):
        out.options.update(sasl_plain_username=sec.username, sasl_plain_password=sec.password)
    if isinstance(sec, SASLOAuthBearer) and options.get("sasl_oauth_token_provider") is None:
        raise SetupError(
            f"{broker}: SASLOAuthBearer needs sasl_oauth_token_provider= "
            "(an aiokafka AbstractTokenProvider)"
        )
    _expose_kafka(out, sec)
    if context is not None:
        out.options["ssl_context"] = context
        out.tls = True
    return out


def _kafka_only(broker: str, sec: BaseSecurity) -> None:
    if isinstance(sec, Token | NKeys):
        raise _refuse(
            broker,
            sec,
            "Kafka takes SASLPlaintext, SASLScram256/512, SASLOAuthBearer, SASLGSSAPI, "
            "SASLExternal and TLS",
        )


def _expose_kafka(out: Applied, sec: BaseSecurity) -> None:
    # SCRAM and GSSAPI prove the secret without sending it; PLAIN and a bearer token send it.
    if isinstance(sec, SASLPlaintext):
        out.exposed.append("the password of SASLPlaintext")
    elif isinstance(sec, SASLOAuthBearer):
        out.exposed.append("the OAUTHBEARER token")


# -- confluent-kafka ----------------------------------------------------------------


def _confluent(broker: str, url: Any, options: dict[str, Any], sec: BaseSecurity | None) -> Applied:
    config = {k.replace("_", "."): v for k, v in options.items()}
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
    _kafka_only(broker, sec)
    if sec.ssl_context is not None and not (sec.ca_file or sec.cert_file):
        raise SetupError(
            f"{broker}: confluent-kafka cannot take an ssl.SSLContext; give the "
            f"{type(sec).__name__} ca_file=, cert_file= and key_file= instead"
        )
    if isinstance(sec, SASLExternal) and not sec.cert_file:
        raise SetupError(f"{broker}: SASLExternal needs cert_file= for confluent-kafka")
    tls = sec.tls
    if _tls_only(sec):
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
    _expose_kafka(out, sec)
    return out


_MAPPERS = {
    "redis": _redis,
    "nats": _nats,
    "rabbit": _rabbit,
    "aiokafka": _aiokafka,
    "confluent": _confluent,
}

"""The security objects: TLS, and how a client proves who it is.

One object describes a connection's security whatever the broker; each broker
maps it onto its client library's options (``<broker>/security.py``) and refuses, when
it is constructed, what its client cannot do. The objects are frozen and
their ``repr`` never shows a password, token or seed.
"""

from __future__ import annotations

import copy
import ssl
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from ..core.errors import SetupError

#: What ``repr`` shows instead of a secret.
HIDDEN = "***"

Scheme = tuple[str, dict[str, Any]]


@dataclass(frozen=True, repr=False)
class BaseSecurity:
    """TLS without credentials; the base of the other objects.

    TLS is on when ``use_ssl=True`` or when any of ``ssl_context``, ``ca_file``
    or ``cert_file`` is given. Clients that take an ``ssl.SSLContext``
    (aiokafka, aio-pika, nats-py, redis-py) use ``ssl_context`` or, without
    one, a default context trusting ``ca_file`` (else the system's CAs) and
    presenting ``cert_file``/``key_file``. confluent-kafka (librdkafka) takes
    only the files.
    """

    ssl_context: ssl.SSLContext | None = field(default=None, kw_only=True)
    use_ssl: bool | None = field(default=None, kw_only=True)
    ca_file: str | None = field(default=None, kw_only=True)
    cert_file: str | None = field(default=None, kw_only=True)
    key_file: str | None = field(default=None, kw_only=True)

    #: Fields holding a secret: ``repr`` hides them.
    secret_fields: ClassVar[tuple[str, ...]] = ()
    #: The Kafka SASL mechanism (``None``: no SASL).
    mechanism: ClassVar[str | None] = None
    #: The AsyncAPI security scheme (name, object): its type only, no secret.
    #: ``None`` for TLS alone: the server's protocol (``amqps``, ``rediss``,
    #: ``kafka-secure``, ...) says it.
    scheme: ClassVar[Scheme | None] = None

    def __post_init__(self) -> None:
        has_material = self.ssl_context is not None or bool(self.ca_file or self.cert_file)
        if self.use_ssl is False and has_material:
            raise SetupError(
                f"{type(self).__name__}: use_ssl=False contradicts ssl_context/ca_file/cert_file"
            )
        if self.key_file and not self.cert_file:
            raise SetupError(f"{type(self).__name__}: key_file= needs cert_file=")

    @property
    def tls(self) -> bool:
        """Whether the connection is encrypted."""
        if self.use_ssl is not None:
            return self.use_ssl
        return self.ssl_context is not None or bool(self.ca_file or self.cert_file)

    def tls_context(self) -> ssl.SSLContext | None:
        """The ``SSLContext`` for clients that take one; ``None`` without TLS."""
        if not self.tls:
            return None
        if self.ssl_context is not None:
            return self.ssl_context
        context = ssl.create_default_context(cafile=self.ca_file)
        if self.cert_file:
            context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def asyncapi_scheme(self, protocol: str | None) -> Scheme | None:
        """The AsyncAPI security scheme on a server speaking ``protocol`` (a copy of ``scheme``)."""
        return copy.deepcopy(self.scheme)

    def __repr__(self) -> str:
        shown = []
        for f in sorted(fields(self), key=lambda f: bool(f.kw_only)):  # TLS options last
            value = getattr(self, f.name)
            if value is None:
                continue
            text = HIDDEN if f.name in self.secret_fields else repr(value)
            shown.append(f"{f.name}={text}")
        return f"{type(self).__name__}({', '.join(shown)})"


@dataclass(frozen=True, repr=False)
class _UserPassword(BaseSecurity):
    username: str
    password: str

    secret_fields = ("password",)


@dataclass(frozen=True, repr=False)
class SASLPlaintext(_UserPassword):
    """A username and password: Kafka SASL PLAIN, RabbitMQ PLAIN, a NATS user,
    a Redis ACL user. The password itself goes to the server: use TLS."""

    mechanism = "PLAIN"
    scheme = ("userPassword", {"type": "userPassword"})

    def asyncapi_scheme(self, protocol: str | None) -> Scheme | None:
        if protocol == "kafka":  # AsyncAPI names Kafka's SASL PLAIN a type of its own
            return "plain", {"type": "plain"}
        return super().asyncapi_scheme(protocol)


@dataclass(frozen=True, repr=False)
class SASLScram256(_UserPassword):
    """Kafka SASL SCRAM-SHA-256: the password is proven, never sent."""

    mechanism = "SCRAM-SHA-256"
    scheme = ("scramSha256", {"type": "scramSha256"})


@dataclass(frozen=True, repr=False)
class SASLScram512(_UserPassword):
    """Kafka SASL SCRAM-SHA-512: the password is proven, never sent."""

    mechanism = "SCRAM-SHA-512"
    scheme = ("scramSha512", {"type": "scramSha512"})


@dataclass(frozen=True, repr=False)
class SASLOAuthBearer(BaseSecurity):
    """Kafka SASL OAUTHBEARER. The token comes from the client's own option:
    aiokafka's ``sasl_oauth_token_provider=``, confluent-kafka's ``oauth_cb=``
    or its ``sasl.oauthbearer.*`` settings."""

    mechanism = "OAUTHBEARER"
    scheme = ("oauthBearer", {"type": "oauth2", "flows": {}, "description": "SASL OAUTHBEARER"})


@dataclass(frozen=True, repr=False)
class SASLGSSAPI(BaseSecurity):
    """Kafka SASL GSSAPI (Kerberos); principal and keytab are client options."""

    mechanism = "GSSAPI"
    scheme = ("gssapi", {"type": "gssapi"})


@dataclass(frozen=True, repr=False)
class SASLExternal(BaseSecurity):
    """Identity by the TLS client certificate: RabbitMQ's EXTERNAL mechanism;
    for Kafka, NATS and Redis, TLS presenting the certificate.

    Needs TLS with a certificate: ``cert_file`` (and ``key_file``), or an
    ``ssl_context`` that loaded one.
    """

    scheme = ("x509", {"type": "X509"})

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.tls or (self.ssl_context is None and not self.cert_file):
            raise SetupError(
                "SASLExternal needs TLS with a client certificate: give cert_file= "
                "(and key_file=), or an ssl_context that loaded one"
            )


@dataclass(frozen=True, repr=False)
class Token(BaseSecurity):
    """A NATS authentication token (``nats-server --auth``). It goes to the
    server as it is: use TLS."""

    token: str

    secret_fields = ("token",)
    scheme = ("token", {"type": "apiKey", "in": "user", "description": "authentication token"})


@dataclass(frozen=True, repr=False)
class NKeys(BaseSecurity):
    """NATS NKey authentication: the server's nonce is signed, the key never sent.

    Exactly one of ``seed`` (the ``SU...`` seed itself), ``seed_file`` (a file
    holding it) or ``creds_file`` (a ``.creds`` file: user JWT and seed, for
    decentralised JWT authentication).
    """

    seed: str | None = None
    seed_file: str | None = None
    creds_file: str | None = None

    secret_fields = ("seed",)
    scheme = ("nkeys", {"type": "asymmetricEncryption", "description": "NATS NKey"})

    def __post_init__(self) -> None:
        super().__post_init__()
        given = [x for x in (self.seed, self.seed_file, self.creds_file) if x]
        if len(given) != 1:
            raise SetupError("NKeys: give exactly one of seed=, seed_file= or creds_file=")

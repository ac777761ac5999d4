"""What each broker gives its client library for a security object, without connecting.

Where the client can check a configuration without a server, it does: aiokafka's
producer and consumer are built from the mapped keywords, confluent-kafka's
producer from the mapped configuration.
"""

from __future__ import annotations

import importlib
import json
import logging
import ssl
from pathlib import Path
from typing import Any

import confluent_kafka
import jsonschema
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.abc import AbstractTokenProvider
from tls_brokers import Pki

from faststream_fastapi.asyncapi import get_app_schema
from faststream_fastapi.confluent import KafkaBroker as ConfluentBroker
from faststream_fastapi.core.errors import SetupError
from faststream_fastapi.core.redact import secrets_of
from faststream_fastapi.kafka import KafkaBroker
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.rabbit import RabbitBroker
from faststream_fastapi.redis import RedisBroker, TestRedisBroker
from faststream_fastapi.redis.security import TLSConnection
from faststream_fastapi.security import (
    SASLGSSAPI,
    BaseSecurity,
    NKeys,
    SASLExternal,
    SASLOAuthBearer,
    SASLPlaintext,
    SASLScram256,
    SASLScram512,
    Token,
)

SECRET = "hunter2-secret"
SCHEMAS = Path(__file__).parents[1] / "asyncapi" / "schemas"


def options(broker: Any) -> dict[str, Any]:
    return dict(broker._transport.options)


@pytest.fixture
def context() -> ssl.SSLContext:
    return ssl.create_default_context()


# -- redis-py ---------------------------------------------------------------------


def test_redis_acl_user_over_tls(context: ssl.SSLContext) -> None:
    broker = RedisBroker(
        "redis://cache:6380/2",
        security=SASLPlaintext("alice", SECRET, ssl_context=context),
        socket_timeout=3,
    )
    assert broker._transport.url == "redis://cache:6380/2"
    assert options(broker) == {
        "socket_timeout": 3,
        "username": "alice",
        "password": SECRET,
        "connection_class": TLSConnection,
        "tls_context": context,
    }
    assert broker._credentials_warning is None


def test_redis_tls_only_and_without_tls() -> None:
    assert options(RedisBroker(security=BaseSecurity())) == {}
    plain = RedisBroker(security=SASLPlaintext("alice", SECRET))
    assert options(plain) == {"username": "alice", "password": SECRET}
    assert "the password of SASLPlaintext" in (plain._credentials_warning or "")
    assert SECRET not in (plain._credentials_warning or "")


def test_redis_tls_connection_uses_the_given_context(context: ssl.SSLContext) -> None:
    connection = TLSConnection(tls_context=context, host="cache", port=6380)
    assert connection.ssl_context.get() is context


@pytest.mark.parametrize(
    "security",
    [SASLScram256("a", SECRET), SASLOAuthBearer(), Token(SECRET), NKeys(seed=SECRET)],
    ids=lambda s: type(s).__name__,
)
def test_redis_refuses_what_redis_cannot_do(security: Any) -> None:
    with pytest.raises(SetupError, match=f"RedisBroker cannot use {type(security).__name__}"):
        RedisBroker(security=security)


def test_redis_refuses_credentials_given_twice_and_tls_on_a_socket() -> None:
    with pytest.raises(SetupError, match="credentials in the URL and in security="):
        RedisBroker("redis://bob:pw@cache", security=SASLPlaintext("alice", SECRET))
    with pytest.raises(SetupError, match="password= is set by security=SASLPlaintext"):
        RedisBroker(security=SASLPlaintext("alice", SECRET), password="other")
    with pytest.raises(SetupError, match="unix socket"):
        RedisBroker("unix:///run/redis.sock", security=BaseSecurity(use_ssl=True))
    with pytest.raises(SetupError, match="security= takes an object"):
        RedisBroker(security={"username": "alice"})  # type: ignore[arg-type]


# -- nats-py ----------------------------------------------------------------------


def test_nats_user_token_and_nkeys(context: ssl.SSLContext) -> None:
    user = NatsBroker(security=SASLPlaintext("alice", SECRET, ssl_context=context))
    assert options(user) == {"user": "alice", "password": SECRET, "tls": context}
    token = NatsBroker(security=Token(SECRET, ssl_context=context))
    assert options(token) == {"token": SECRET, "tls": context}
    assert options(NatsBroker(security=NKeys(seed=SECRET))) == {"nkeys_seed_str": SECRET}
    assert options(NatsBroker(security=NKeys(seed_file="u.nk"))) == {"nkeys_seed": "u.nk"}
    creds = NatsBroker(security=NKeys(creds_file="u.creds"))
    assert options(creds) == {"user_credentials": "u.creds"}
    # An NKey signs a nonce: nothing secret travels, TLS or not.
    assert creds._credentials_warning is None
    assert options(NatsBroker(security=BaseSecurity(ssl_context=context))) == {"tls": context}


def test_nats_refusals() -> None:
    with pytest.raises(SetupError, match="NatsBroker cannot use SASLScram512"):
        NatsBroker(security=SASLScram512("a", SECRET))
    with pytest.raises(SetupError, match="credentials in the server URL and in security="):
        NatsBroker(["nats://n1", "nats://tok@n2"], security=Token(SECRET))
    with pytest.raises(SetupError, match="token= is set by security=Token"):
        NatsBroker(security=Token(SECRET), token="other")


# -- aio-pika ---------------------------------------------------------------------


def test_rabbit_user_over_tls_rewrites_the_url(context: ssl.SSLContext) -> None:
    broker = RabbitBroker(
        "amqp://rabbit:5671/shop?heartbeat=30",
        security=SASLPlaintext("al ice", "p@ss/w0rd", ssl_context=context),
    )
    assert broker._transport.url == "amqps://al%20ice:p%40ss%2Fw0rd@rabbit:5671/shop?heartbeat=30"
    assert options(broker) == {"ssl_context": context}
    # As FastStream 0.5 builds it: the URL the client connects to (issue #15, section 5).
    assert broker.url == broker._transport.url


def test_rabbit_default_guest_is_replaced_and_exempt_from_the_warning() -> None:
    broker = RabbitBroker(security=SASLPlaintext("alice", SECRET))
    assert broker._transport.url == f"amqp://alice:{SECRET}@localhost:5672/"
    assert broker._credentials_warning is not None
    assert RabbitBroker()._credentials_warning is None  # guest:guest is public knowledge
    assert RabbitBroker(f"amqp://bob:{SECRET}@rabbit/")._credentials_warning is not None


def test_rabbit_external_authenticates_by_certificate(pki: Pki) -> None:
    security = SASLExternal(
        ca_file=pki.ca_file, cert_file=pki.client_cert_file, key_file=pki.client_key_file
    )
    broker = RabbitBroker("amqp://rabbit/shop", security=security)
    assert broker._transport.url == "amqps://rabbit/shop?auth=external"
    context = options(broker)["ssl_context"]
    assert isinstance(context, ssl.SSLContext) and context.verify_mode == ssl.CERT_REQUIRED
    assert broker._credentials_warning is None


def test_rabbit_refusals() -> None:
    with pytest.raises(SetupError, match="RabbitBroker cannot use Token"):
        RabbitBroker(security=Token(SECRET))
    with pytest.raises(SetupError, match="credentials in the URL and in security="):
        RabbitBroker("amqp://bob:pw@rabbit/", security=SASLPlaintext("alice", SECRET))
    with pytest.raises(SetupError, match="ssl_context= is set by security=BaseSecurity"):
        RabbitBroker(security=BaseSecurity(use_ssl=True), ssl_context=ssl.create_default_context())


# -- aiokafka ---------------------------------------------------------------------


class _Tokens(AbstractTokenProvider):  # type: ignore[misc]
    async def token(self) -> str:
        return "a-token"


@pytest.mark.parametrize(
    ("security", "protocol", "mechanism"),
    [
        (SASLPlaintext("svc", SECRET, use_ssl=True), "SASL_SSL", "PLAIN"),
        (SASLPlaintext("svc", SECRET), "SASL_PLAINTEXT", "PLAIN"),
        (SASLScram256("svc", SECRET, use_ssl=True), "SASL_SSL", "SCRAM-SHA-256"),
        (SASLScram512("svc", SECRET), "SASL_PLAINTEXT", "SCRAM-SHA-512"),
        (SASLOAuthBearer(use_ssl=True), "SASL_SSL", "OAUTHBEARER"),
        (SASLGSSAPI(use_ssl=True), "SASL_SSL", "GSSAPI"),
        (BaseSecurity(use_ssl=True), "SSL", None),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, str | None) else str(v),
)
async def test_aiokafka_keywords(security: Any, protocol: str, mechanism: str | None) -> None:
    extra = {"sasl_oauth_token_provider": _Tokens()} if mechanism == "OAUTHBEARER" else {}
    broker = KafkaBroker("k1:9093", security=security, **extra)
    opts = options(broker)
    assert opts["security_protocol"] == protocol
    assert opts.get("sasl_mechanism") == mechanism
    assert isinstance(opts.get("ssl_context"), ssl.SSLContext) == protocol.endswith("SSL")
    if isinstance(security, SASLPlaintext | SASLScram256 | SASLScram512):
        assert (opts["sasl_plain_username"], opts["sasl_plain_password"]) == ("svc", SECRET)
    # aiokafka checks these keywords when it builds its clients; nothing connects.
    for cls in (AIOKafkaProducer, AIOKafkaConsumer):
        client = cls(bootstrap_servers="127.0.0.1:1", **opts)
        await client.stop()


async def test_aiokafka_connect_builds_the_producer_with_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # FastStream 0.5's docs tests patch ``aiokafka.AIOKafkaProducer`` to read what it got.
    built: list[dict[str, Any]] = []

    class Producer:
        def __init__(self, **kwargs: Any) -> None:
            built.append(kwargs)

        async def start(self) -> None: ...

        async def stop(self) -> None: ...

    monkeypatch.setattr("aiokafka.AIOKafkaProducer", Producer)
    async with KafkaBroker("k1:9093", security=SASLScram256("svc", SECRET, use_ssl=True)):
        [got] = built
    assert got["bootstrap_servers"] == "k1:9093"
    assert (got["security_protocol"], got["sasl_mechanism"]) == ("SASL_SSL", "SCRAM-SHA-256")
    assert (got["sasl_plain_username"], got["sasl_plain_password"]) == ("svc", SECRET)
    assert isinstance(got["ssl_context"], ssl.SSLContext)


def test_aiokafka_warning_only_where_a_secret_travels() -> None:
    plain = KafkaBroker(security=SASLPlaintext("svc", SECRET))
    assert "SASLPlaintext" in (plain._credentials_warning or "")
    assert KafkaBroker(security=SASLScram512("svc", SECRET))._credentials_warning is None
    assert (
        KafkaBroker(security=SASLPlaintext("svc", SECRET, use_ssl=True))._credentials_warning
        is None
    )
    raw = KafkaBroker(security_protocol="SASL_PLAINTEXT", sasl_plain_password=SECRET)
    assert raw._credentials_warning is not None


def test_aiokafka_refusals() -> None:
    with pytest.raises(SetupError, match=r"KafkaBroker \(aiokafka\) cannot use NKeys"):
        KafkaBroker(security=NKeys(seed=SECRET))
    with pytest.raises(SetupError, match="SASLOAuthBearer needs sasl_oauth_token_provider="):
        KafkaBroker(security=SASLOAuthBearer(use_ssl=True))
    with pytest.raises(SetupError, match="security_protocol= is set by security="):
        KafkaBroker(security=SASLScram256("a", SECRET), security_protocol="SASL_SSL")


# -- confluent-kafka ----------------------------------------------------------------


def _producer(broker: Any) -> None:
    """Build a librdkafka producer from the mapped configuration; it checks every key."""
    config = broker._transport._config(())
    config["logger"] = logging.getLogger("tests.security.librdkafka")
    producer = confluent_kafka.Producer(config)
    producer.flush(0)


def test_confluent_configuration(pki: Pki) -> None:
    security = SASLScram512(
        "svc", SECRET, ca_file=pki.ca_file, cert_file=pki.client_cert_file,
        key_file=pki.client_key_file,
    )  # fmt: skip
    broker = ConfluentBroker("k1:9093", security=security, client_id="orders")
    assert (
        options(broker).items()
        >= {
            "client.id": "orders",
            "security.protocol": "sasl_ssl",
            "sasl.mechanisms": "SCRAM-SHA-512",
            "sasl.username": "svc",
            "sasl.password": SECRET,
            "ssl.ca.location": pki.ca_file,
            "ssl.certificate.location": pki.client_cert_file,
            "ssl.key.location": pki.client_key_file,
        }.items()
    )
    _producer(broker)


def test_confluent_other_objects(pki: Pki) -> None:
    plain = ConfluentBroker(security=SASLPlaintext("svc", SECRET))
    assert options(plain)["security.protocol"] == "sasl_plaintext"
    assert options(plain)["sasl.mechanisms"] == "PLAIN"
    assert plain._credentials_warning is not None
    _producer(plain)
    tls = ConfluentBroker(security=BaseSecurity(ca_file=pki.ca_file))
    assert (
        options(tls).items() >= {"security.protocol": "ssl", "ssl.ca.location": pki.ca_file}.items()
    )
    _producer(tls)
    external = ConfluentBroker(
        security=SASLExternal(cert_file=pki.client_cert_file, key_file=pki.client_key_file)
    )
    assert options(external)["security.protocol"] == "ssl"
    assert options(external)["ssl.certificate.location"] == pki.client_cert_file
    oauth = ConfluentBroker(security=SASLOAuthBearer(use_ssl=True))
    assert options(oauth)["security.protocol"] == "sasl_ssl"
    assert options(oauth)["sasl.mechanisms"] == "OAUTHBEARER"
    assert oauth._credentials_warning is None


def test_confluent_refusals(context: ssl.SSLContext) -> None:
    with pytest.raises(SetupError, match=r"confluent-kafka cannot take an ssl\.SSLContext"):
        ConfluentBroker(security=SASLPlaintext("svc", SECRET, ssl_context=context))
    with pytest.raises(SetupError, match=r"KafkaBroker \(confluent\) cannot use Token"):
        ConfluentBroker(security=Token(SECRET))
    with pytest.raises(SetupError, match=r"sasl\.username= is set by security="):
        ConfluentBroker(security=SASLPlaintext("svc", SECRET), sasl_username="other")


# -- routers, the test broker, AsyncAPI ---------------------------------------------


@pytest.mark.parametrize(
    ("module", "security"),
    [
        ("redis", SASLPlaintext("alice", SECRET, use_ssl=True)),
        ("nats", Token(SECRET, use_ssl=True)),
        ("rabbit", SASLPlaintext("alice", SECRET, use_ssl=True)),
        ("kafka", SASLScram256("alice", SECRET, use_ssl=True)),
        ("confluent", SASLScram256("alice", SECRET, use_ssl=True)),
    ],
)
def test_fastapi_routers_forward_security(module: str, security: Any) -> None:
    fastapi_module = importlib.import_module(f"faststream_fastapi.{module}.fastapi")
    name = "KafkaRouter" if module in ("kafka", "confluent") else f"{module.title()}Router"
    router = getattr(fastapi_module, name)(security=security)
    assert router.broker.security is security
    assert router.broker._credentials_warning is None
    # Where the client gets it, connection errors are redacted from.
    assert SECRET in secrets_of(router.broker._transport)


async def test_the_in_memory_broker_ignores_security_and_does_not_warn() -> None:
    broker = RedisBroker(f"redis://:{SECRET}@cache", security=BaseSecurity())
    seen: list[str] = []

    @broker.subscriber("in")
    async def handle(body: str) -> None:
        seen.append(body)

    async with TestRedisBroker(broker) as test:  # warnings are errors here
        await test.publish("hi", "in")
    assert seen == ["hi"]
    assert broker._credentials_warning is not None  # kept for a real connection


def _validate(document: dict[str, Any]) -> None:
    schema = json.loads((SCHEMAS / f"{document['asyncapi']}.json").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [
        f"{list(e.absolute_path)}: {e.message[:300]}" for e in validator.iter_errors(document)
    ]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("version", ["2.6.0", "3.0.0"])
def test_asyncapi_security_schemes_without_secrets(version: str) -> None:
    class Service:
        brokers = [
            KafkaBroker("k1:9093", security=SASLScram512("svc", SECRET, use_ssl=True)),
            RabbitBroker("amqp://rabbit/", security=SASLPlaintext("svc", SECRET)),
            NatsBroker("nats://n1:4222", security=Token(SECRET, use_ssl=True)),
            RedisBroker("redis://cache:6379", security=BaseSecurity(use_ssl=True)),
            ConfluentBroker("k2:9093", security=SASLOAuthBearer()),
        ]

    doc = get_app_schema(Service(), version)
    _validate(doc)
    text = json.dumps(doc)
    assert SECRET not in text and "svc" not in text
    servers = doc["servers"]
    schemes = doc["components"]["securitySchemes"]
    token = {"type": "apiKey", "in": "user", "description": "authentication token"}
    if version == "2.6.0":  # as FastStream 0.5 named them
        assert schemes == {
            "scram512": {"type": "scramSha512"},
            "user-password": {"type": "userPassword"},
            "token": token,
            "oauthbearer": {"type": "oauth2", "flows": {}},
        }
    else:
        assert schemes == {
            "scramSha512": {"type": "scramSha512"},
            "userPassword": {"type": "userPassword"},
            "token": token,
            "oauthBearer": {"type": "oauth2", "flows": {}, "description": "SASL OAUTHBEARER"},
        }
    protocols = [s["protocol"] for s in servers.values()]
    assert protocols == ["kafka-secure", "amqp", "tls", "rediss", "kafka"]
    first, _, nats, redis, _ = servers.values()
    if version == "2.6.0":
        assert first["security"] == [{"scram512": []}]
        assert nats["security"] == [{"token": []}]
        assert redis["security"] == []  # TLS alone: nothing more, as FastStream 0.5 wrote
    else:
        assert first["security"] == [{"$ref": "#/components/securitySchemes/scramSha512"}]
        assert "security" not in redis  # TLS alone: the protocol says it

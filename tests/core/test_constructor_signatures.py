"""Brokers and routers show their real parameters, and refuse a keyword nobody knows
(issue #15, section 2): ``inspect.signature``/``help()`` list the shared broker keywords
and the client library's, not ``*args, **kwargs``."""

from __future__ import annotations

import importlib
import inspect
import pydoc
from typing import Any

import pytest

from faststream_fastapi.core.fastapi_compat import API_ROUTER_PARAMETERS

#: package, broker class, its address keyword, a keyword its client library takes
KINDS = [
    ("kafka", "KafkaBroker", "KafkaRouter", "bootstrap_servers", "group_id"),
    ("confluent", "KafkaBroker", "KafkaRouter", "bootstrap_servers", "connect_timeout"),
    ("nats", "NatsBroker", "NatsRouter", "servers", "user"),
    ("rabbit", "RabbitBroker", "RabbitRouter", "url", "prefetch_count"),
    ("redis", "RedisBroker", "RedisRouter", "url", "max_connections"),
]
SHARED = ("dependencies", "middlewares", "graceful_timeout", "logger", "log_level", "security")


@pytest.fixture(params=KINDS, ids=[k[0] for k in KINDS])
def kind(request: pytest.FixtureRequest) -> tuple[Any, Any, str, str]:
    package, broker, router, address, client = request.param
    broker_class = getattr(importlib.import_module(f"faststream_fastapi.{package}"), broker)
    router_module = importlib.import_module(f"faststream_fastapi.{package}.fastapi")
    return broker_class, getattr(router_module, router), address, client


def test_broker_signature_names_its_parameters(kind: tuple[Any, Any, str, str]) -> None:
    broker_class, _, address, client = kind
    params = inspect.signature(broker_class).parameters
    first = next(iter(params.values()))
    assert (first.name, first.kind) == (address, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    for name in (*SHARED, "description", client):
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY, name
    # Only confluent-kafka's open librdkafka configuration stays a ``**properties``
    # (beside FastStream 0.5's ``config=`` mapping of the same properties).
    rest = [p.name for p in params.values() if p.kind is inspect.Parameter.VAR_KEYWORD]
    confluent = broker_class.__module__.startswith("faststream_fastapi.conf")
    assert rest == (["properties"] if confluent else [])
    assert ("config" in params) is confluent
    assert "self" not in params


def test_help_shows_the_parameters(kind: tuple[Any, Any, str, str]) -> None:
    broker_class, router_class, address, client = kind
    for cls in (broker_class, router_class):
        text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
        assert f"{address}=" in text and "graceful_timeout" in text and client in text


def test_router_signature_has_broker_router_and_api_router_keywords(
    kind: tuple[Any, Any, str, str],
) -> None:
    _, router_class, address, client = kind
    params = inspect.signature(router_class).parameters
    assert next(iter(params)) == address
    for name in (*SHARED, client, "schema_url", "lifespan", "on_startup"):
        assert name in params, name
    assert {p.name for p in API_ROUTER_PARAMETERS} <= set(params)


def test_an_unknown_keyword_names_the_class_and_the_keyword(
    kind: tuple[Any, Any, str, str],
) -> None:
    broker_class, router_class, _, _ = kind
    for cls in (broker_class, router_class):
        with pytest.raises(TypeError, match=rf"^{cls.__name__}\(\) .*'no_such_option'"):
            cls(no_such_option=1)


def test_the_address_is_taken_by_its_keyword(kind: tuple[Any, Any, str, str]) -> None:
    broker_class, router_class, address, _ = kind
    value = {"bootstrap_servers": "k:9092", "servers": "nats://n:4222"}.get(address)
    value = value or (
        "amqp://guest:guest@r:5672/" if "Rabbit" in broker_class.__name__ else "redis://r:6379"
    )
    assert getattr(broker_class(**{address: value}), address) == value
    assert getattr(router_class(**{address: value}).broker, address) == value
    with pytest.raises(TypeError, match="multiple values"):
        broker_class(value, **{address: value})


def test_client_keywords_reach_the_client_options() -> None:
    from faststream_fastapi.nats import NatsBroker
    from faststream_fastapi.redis import RedisBroker

    assert NatsBroker(user="u", name="svc").transport.options == {"user": "u", "name": "svc"}  # type: ignore[attr-defined]
    assert RedisBroker(max_connections=5).transport.options == {"max_connections": 5}  # type: ignore[attr-defined]


def test_a_subclass_with_its_own_constructor_shows_its_own_signature() -> None:
    from faststream_fastapi.nats import NatsBroker

    class Custom(NatsBroker):
        def __init__(self, name: str, **options: Any) -> None:
            super().__init__(**options)
            self.name = name

    class Plain(NatsBroker):
        pass

    assert list(inspect.signature(Custom).parameters) == ["name", "options"]
    assert inspect.signature(Plain) == inspect.signature(NatsBroker)
    assert Custom("n", servers="nats://n:4222").servers == "nats://n:4222"


def test_confluent_checks_librdkafka_configuration_at_construction() -> None:
    from faststream_fastapi.confluent import KafkaBroker
    from faststream_fastapi.confluent.fastapi import KafkaRouter

    broker = KafkaBroker("k:9092", session_timeout_ms=3000, linger_ms=5, group_instance_id="i")
    assert broker.bootstrap_servers == "k:9092"
    with pytest.raises(TypeError, match=r"^KafkaRouter\(\) .*'lingerr_ms'"):
        KafkaRouter("k:9092", lingerr_ms=5)
    with pytest.raises(ValueError, match=r"^KafkaBroker\(\): .*acks"):
        KafkaBroker("k:9092", acks="sometimes")


def test_confluent_config_mapping_as_in_faststream_05() -> None:
    from faststream_fastapi.confluent import KafkaBroker
    from faststream_fastapi.confluent.fastapi import KafkaRouter

    given = {"topic.metadata.refresh.fast.interval.ms": 300, "session.timeout.ms": 9000}
    broker = KafkaBroker("k:9092", config=given, session_timeout_ms=3000)
    options = broker._transport.options
    assert options["topic.metadata.refresh.fast.interval.ms"] == 300
    assert options["session.timeout.ms"] == 3000  # the keyword wins over the property
    router = KafkaRouter("k:9092", config={"client.id": "svc"})
    assert router.broker._transport.options["client.id"] == "svc"
    with pytest.raises(TypeError, match=r"^KafkaBroker\(\) .*config property 'nope.x'"):
        KafkaBroker("k:9092", config={"nope.x": 1})
    with pytest.raises(TypeError, match=r"config=.*mapping"):
        KafkaBroker("k:9092", config=[("client.id", "x")])


def test_a_confluent_router_checks_librdkafka_configuration_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from faststream_fastapi.confluent import settings
    from faststream_fastapi.confluent.fastapi import KafkaRouter

    calls: list[tuple[str, dict[str, Any]]] = []
    check = settings.check
    monkeypatch.setattr(
        settings, "check", lambda o, opts: calls.append((o, dict(opts))) or check(o, opts)
    )
    KafkaRouter("k:9092", linger_ms=5)
    assert calls == [("KafkaRouter", {"linger_ms": 5})]  # one throwaway client, not two

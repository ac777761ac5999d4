"""FastStream 0.5's broker keywords never reach the client library (issue #15, section 2)."""

from __future__ import annotations

import importlib

import pytest

from faststream_fastapi.core.broker import Broker

BROKERS = [
    ("kafka", "KafkaBroker"),
    ("confluent", "KafkaBroker"),
    ("nats", "NatsBroker"),
    ("rabbit", "RabbitBroker"),
    ("redis", "RedisBroker"),
]


@pytest.fixture(params=BROKERS, ids=[b for b, _ in BROKERS])
def cls(request: pytest.FixtureRequest) -> type[Broker]:
    package, name = request.param
    broker_class: type[Broker] = getattr(
        importlib.import_module(f"faststream_fastapi.{package}"), name
    )
    return broker_class


def test_apply_types_and_validate_true_are_accepted(cls: type[Broker]) -> None:
    broker = cls(apply_types=True, validate=True)  # type: ignore[call-arg]
    assert "apply_types" not in repr(broker.transport.__dict__)


def test_apply_types_false_warns_that_it_has_no_effect(cls: type[Broker]) -> None:
    with pytest.warns(UserWarning, match=r"apply_types=False\) has no effect"):
        cls(apply_types=False)  # type: ignore[call-arg]


def test_description_is_kept_for_the_document(cls: type[Broker]) -> None:
    broker = cls(description="the orders cluster")  # type: ignore[call-arg]
    assert broker.description == "the orders cluster"  # type: ignore[attr-defined]


@pytest.mark.parametrize("keyword", ["log_fmt"])
def test_unsupported_keywords_are_refused_by_name(cls: type[Broker], keyword: str) -> None:
    with pytest.raises(TypeError, match=rf"{cls.__name__}\(\) does not support {keyword}="):
        cls(**{keyword: "x"})


def test_redis_protocol_number_is_the_clients() -> None:
    from faststream_fastapi.redis import RedisBroker

    assert getattr(RedisBroker(protocol=3), "protocol", None) is None
    # A string is FastStream 0.5's AsyncAPI protocol (docs/asyncapi.md).
    assert RedisBroker(protocol="redis").protocol == "redis"  # type: ignore[attr-defined]


async def test_connect_refuses_an_unknown_keyword_before_connecting(cls: type[Broker]) -> None:
    broker = cls()
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'no_such_option'"):
        await broker.connect(no_such_option=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"\.connect\(\) takes one address, not 2"):
        await broker.connect("a", "b")  # type: ignore[call-arg]
    assert not broker.connected


async def test_connect_with_an_address_under_a_test_broker_stays_in_memory(
    cls: type[Broker],
) -> None:
    package = importlib.import_module(cls.__module__.rsplit(".", 1)[0])
    test_class = next(
        getattr(package, n) for n in dir(package) if n.startswith("Test") and n.endswith("Broker")
    )
    broker = cls()
    async with test_class(broker):
        await broker.connect("somewhere-else:1")  # type: ignore[call-arg]
        assert broker.connected and broker.testing
        with pytest.raises(TypeError, match=r"unexpected keyword argument 'no_such_option'"):
            await broker.connect(no_such_option=1)  # type: ignore[call-arg]

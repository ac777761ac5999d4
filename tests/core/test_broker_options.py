"""Every broker takes the options ``BrokerConfig`` declares, with its defaults, and keeps them."""

from __future__ import annotations

import dataclasses
import inspect
import logging
from typing import Any

import pytest
from fastapi import Depends

from faststream_fastapi.confluent import KafkaBroker as ConfluentBroker
from faststream_fastapi.core import Middleware
from faststream_fastapi.core.broker import Broker
from faststream_fastapi.core.options import BrokerConfig, BrokerOptions
from faststream_fastapi.core.testing import MemoryTransport
from faststream_fastapi.kafka import KafkaBroker
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.rabbit import RabbitBroker
from faststream_fastapi.redis import RedisBroker

FACADES = [NatsBroker, RedisBroker, RabbitBroker, KafkaBroker, ConfluentBroker]


@pytest.mark.parametrize("cls", FACADES, ids=lambda c: c.__module__.split(".")[1])
def test_signature_has_the_broker_options_with_their_defaults(cls: type[Broker]) -> None:
    params = inspect.signature(cls).parameters
    for field in dataclasses.fields(BrokerConfig):
        assert field.name in BrokerOptions.__annotations__
        param = params[field.name]
        assert param.kind is inspect.Parameter.KEYWORD_ONLY
        assert param.default == field.default, field.name


@pytest.mark.parametrize("cls", FACADES, ids=lambda c: c.__module__.split(".")[1])
def test_options_reach_the_broker(cls: type[Broker]) -> None:
    dep, mw = Depends(lambda: None), Middleware()
    logger = logging.getLogger("tests.core.options")
    broker: Any = cls(
        dependencies=[dep],
        middlewares=[mw],
        graceful_timeout=1.5,
        request_timeout=2.5,
        max_message_bytes=7,
        logger=logger,
    )
    assert broker.dependencies == (dep,) and broker.middlewares == (mw,)
    assert (broker.graceful_timeout, broker.request_timeout) == (1.5, 2.5)
    assert broker.max_message_bytes == 7
    assert broker.logger.name == logger.name


def test_a_config_or_keywords_not_both() -> None:
    config = BrokerConfig(graceful_timeout=3.0)
    assert Broker(MemoryTransport(), config).graceful_timeout == 3.0
    assert Broker(MemoryTransport(), graceful_timeout=4.0).graceful_timeout == 4.0
    with pytest.raises(TypeError, match="request_timeout"):
        Broker(MemoryTransport(), config, request_timeout=1.0)
    with pytest.raises(Exception, match="max_message_bytes must be positive"):
        BrokerConfig(max_message_bytes=0)


@pytest.mark.parametrize("cls", FACADES, ids=lambda c: c.__module__.split(".")[1])
def test_publisher_keywords_pass_through_and_a_typo_fails(cls: type[Broker]) -> None:
    broker: Any = cls()
    pub = broker.publisher("out", headers={"h": "1"}, title="T", description="D", schema=int)
    assert (pub.headers, pub.title, pub.description, pub.schema) == ({"h": "1"}, "T", "D", int)
    with pytest.raises(TypeError, match="titel"):
        broker.publisher("out", titel="T")

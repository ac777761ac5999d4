"""Brokers describe themselves: none can go unnamed, none is skipped by the shared layers.

The broker classes and specs are found by walking the package, not listed
here, so a new broker package is checked without editing this file.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from dataclasses import dataclass
from typing import Any

import pytest

import faststream_fastapi
from faststream_fastapi.asyncapi import get_app_schema
from faststream_fastapi.core.broker import Broker, Registry
from faststream_fastapi.core.descriptor import BrokerDescriptor
from faststream_fastapi.core.spec import NamedSpec
from faststream_fastapi.core.transport import Transport
from faststream_fastapi.observability.labels import broker_kind, messaging_system
from faststream_fastapi.redis import RedisBroker


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _all_subclasses(sub)
    return found


def _package_classes(base: type) -> list[type]:
    """Every subclass of ``base`` the package defines, once all of it is imported."""
    for info in pkgutil.iter_modules(faststream_fastapi.__path__):
        if info.ispkg:
            importlib.import_module(f"faststream_fastapi.{info.name}")
    return sorted(
        (
            cls
            for cls in _all_subclasses(base)
            if cls.__module__.startswith("faststream_fastapi.") and cls.__name__[0] != "_"
        ),
        key=lambda cls: f"{cls.__module__}.{cls.__qualname__}",
    )


#: The concrete brokers: a class without a descriptor can only be an abstract base.
BROKERS = [cls for cls in _package_classes(Broker) if hasattr(cls, "descriptor")]


def test_a_broker_class_without_a_descriptor_is_refused_when_defined() -> None:
    with pytest.raises(TypeError, match=r"\.NamelessBroker has no broker descriptor"):

        class NamelessBroker(Broker):
            pass


def test_an_abstract_base_leaves_the_descriptor_to_its_subclasses() -> None:
    class SharedBase(Broker, abstract=True):
        pass

    with pytest.raises(TypeError, match=r"\.Concrete has no broker descriptor"):

        class Concrete(SharedBase):
            pass


def test_a_subclass_of_a_broker_inherits_its_descriptor() -> None:
    class Slow(RedisBroker):
        pass

    assert Slow.descriptor is RedisBroker.descriptor
    assert broker_kind(Slow()) == "redis"


def test_the_package_has_brokers_to_check() -> None:
    # Both Kafka clients, RabbitMQ, NATS and Redis at the least.
    assert len({cls.descriptor for cls in BROKERS}) >= 5


@pytest.mark.parametrize("cls", BROKERS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_broker_is_named_by_its_descriptor(cls: type[Broker]) -> None:
    descriptor = cls.descriptor
    assert isinstance(descriptor, BrokerDescriptor)
    broker = cls()
    assert broker_kind(broker) == descriptor.label
    assert messaging_system(broker) == descriptor.system
    servers = get_app_schema(broker, "3.0.0")["servers"]
    assert servers, f"{cls.__name__} has no server in its AsyncAPI document"
    wire = descriptor.protocol
    assert {s["protocol"] for s in servers.values()} <= {wire.name, wire.tls}
    url = str(next(iter(inspect.signature(cls).parameters.values())).default)
    if descriptor.system == "kafka":
        # "localhost", as FastStream 0.5 defaulted it: both clients add port 9092.
        assert url == "localhost" and wire.default_port == 9092
    else:
        assert f":{wire.default_port}" in url


def test_every_router_of_a_broker_package_has_its_brokers_descriptor() -> None:
    by_module = {cls.__module__: cls.descriptor for cls in BROKERS}
    routers = [
        cls
        for cls in _package_classes(Registry)
        if not issubclass(cls, Broker) and cls.__module__ in by_module
    ]
    assert routers
    for router in routers:
        assert router.descriptor is by_module[router.__module__], router
        assert broker_kind(router()) == router.descriptor.label


def _spec_classes() -> list[type]:
    """Subscription specs (what transports subscribe with) and named destinations."""
    found: set[type] = set(_all_subclasses(NamedSpec))
    for transport in _package_classes(Transport):
        for base in getattr(transport, "__orig_bases__", ()):
            if typing.get_origin(base) is Transport:
                for arg in typing.get_args(base):
                    found.update(typing.get_args(arg) or (arg,))
    return sorted(found, key=lambda cls: cls.__qualname__)


def test_every_spec_describes_its_asyncapi_channels() -> None:
    specs = _spec_classes()
    names = {cls.__name__ for cls in specs}
    assert {"NatsSub", "StreamSub", "Subscription", "KafkaTopic", "TopicDest"} <= names
    for cls in specs:
        assert callable(getattr(cls, "asyncapi_channels", None)), cls


@dataclass(frozen=True)
class _Undescribed:
    name: str

    def with_prefix(self, prefix: str) -> _Undescribed:
        return _Undescribed(prefix + self.name)


def test_a_spec_without_bindings_fails_the_document_instead_of_vanishing() -> None:
    broker = RedisBroker()

    @broker.subscriber("orders")
    async def handle(body: Any) -> None: ...

    broker.subscribers[0].spec = _Undescribed("orders")  # type: ignore[assignment]
    with pytest.raises(AttributeError, match="asyncapi_channels"):
        get_app_schema(broker, "3.0.0")

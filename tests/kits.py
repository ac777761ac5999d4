"""Each broker package's classes by the names FastStream 0.5 gave them, for tests that
run one scenario on every broker: ``kit = kit_fixture()`` in a test module makes the
``kit`` fixture, in memory, or with ``servers=True`` on the real servers (marked)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

PACKAGES = ["kafka", "confluent", "nats", "rabbit", "redis"]
NAMES = {"kafka": "Kafka", "confluent": "Kafka", "nats": "Nats", "rabbit": "Rabbit"}
URLS = {
    "kafka": "127.0.0.1:9092",
    "confluent": "127.0.0.1:9092",
    "nats": "nats://127.0.0.1:4222",
    "rabbit": "amqp://guest:guest@127.0.0.1:5672/",
    "redis": "redis://127.0.0.1:6379",
}
#: The marker of each package's server: confluent-kafka's is Kafka's.
MARKS = {"confluent": "kafka"}


class Kit:
    """One broker package: its module, FastAPI module, server URL and classes."""

    def __init__(self, name: str) -> None:
        self.pkg: ModuleType = importlib.import_module(f"faststream_fastapi.{name}")
        self.fastapi: ModuleType = importlib.import_module(f"faststream_fastapi.{name}.fastapi")
        kind = NAMES.get(name, "Redis")
        self.url = URLS[name]
        self.Broker = getattr(self.pkg, f"{kind}Broker")
        self.Router = getattr(self.pkg, f"{kind}Router")
        self.Test = getattr(self.pkg, f"Test{kind}Broker")
        self.StreamRouter = getattr(self.fastapi, f"{kind}Router")


def kit_fixture(servers: bool = False) -> Callable[..., Any]:
    """The ``kit`` fixture over every package; with ``servers``, each marked with its
    server's marker, so that ``-m`` selects them with the other real-broker tests."""
    params: list[Any] = PACKAGES
    if servers:
        params = [
            pytest.param(p, marks=getattr(pytest.mark, MARKS.get(p, p)), id=p) for p in PACKAGES
        ]

    @pytest.fixture(name="kit", params=params)
    def kit(request: pytest.FixtureRequest) -> Kit:
        return Kit(request.param)

    return kit

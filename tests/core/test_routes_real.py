"""FastStream 0.5's routing API against the real servers (scenarios: ``route_scenarios``)."""

import pytest
from route_scenarios import (
    KITS,
    exceptions_and_publisher_middlewares,
    late_subscriber,
    routes_and_includes,
)

MARKS = {
    "kafka": "kafka",
    "confluent": "kafka",
    "nats": "nats",
    "rabbit": "rabbit",
    "redis": "redis",
}
pytestmark = pytest.mark.parametrize(
    "kit", [pytest.param(k, marks=getattr(pytest.mark, MARKS[k]), id=k) for k in KITS]
)


async def test_routes_and_includes(kit: str, name: str) -> None:
    await routes_and_includes(KITS[kit], True, name)


async def test_late_subscriber(kit: str, name: str) -> None:
    await late_subscriber(KITS[kit], True, name)


async def test_exceptions_and_publisher_middlewares(kit: str, name: str) -> None:
    await exceptions_and_publisher_middlewares(KITS[kit], True, name)

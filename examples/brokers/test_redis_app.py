"""Tests for redis_app.py that need no Redis: ``pytest examples/brokers/test_redis_app.py``.

``TestRedisBroker`` swaps the connection for an in-memory one; decoding, validation,
dependencies, ``Header()`` and publishing the return value all run as in production.
"""

import httpx
import pytest
from redis_app import Stock, accepted, app, get_stock, record, router, take_order

from faststream_fastapi.core.errors import MessageValidationError
from faststream_fastapi.redis import TestRedisBroker


@pytest.fixture
def stock():
    """A fresh Stock per test, through the app's dependency_overrides."""
    fresh = Stock()
    app.dependency_overrides[get_stock] = lambda: fresh
    yield fresh
    app.dependency_overrides.clear()


async def test_an_order_is_taken_and_its_result_recorded(stock):
    async with TestRedisBroker(router.broker) as broker:
        await broker.publish(
            {"id": 1, "item": "pen", "qty": 2}, "orders", headers={"X-User": "ann"}
        )

        take_order.mock.assert_called_once_with({"id": 1, "item": "pen", "qty": 2})
        record.mock.assert_called_once_with({"id": 1, "user": "ann", "reserved": 2})
    assert stock.reserved == {"pen": 2}


async def test_an_invalid_order_is_refused(stock):
    async with TestRedisBroker(router.broker) as broker:
        with pytest.raises(MessageValidationError):
            await broker.publish({"id": 1, "item": "pen", "qty": 0}, "orders")
        record.mock.assert_not_called()
    assert stock.reserved == {}


async def test_the_http_route_publishes_the_order(stock):
    async with TestRedisBroker(router.broker):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            reply = await client.post(
                "/orders", json={"id": 7, "item": "ink"}, headers={"X-User": "bo"}
            )
            assert reply.status_code == 202

        take_order.mock.assert_called_once_with({"id": 7, "item": "ink", "qty": 1})
    assert {"id": 7, "user": "bo", "reserved": 1} in accepted

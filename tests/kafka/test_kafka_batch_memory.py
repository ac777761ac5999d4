"""Batch publishers, ``batch_headers`` and ``get_one`` under ``TestKafkaBroker``,
for both client packages."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import pytest

from faststream_fastapi.kafka.fastapi import KafkaMessage as Msg

PACKAGES = ["faststream_fastapi.kafka", "faststream_fastapi.confluent"]


@pytest.fixture(params=PACKAGES, ids=["aiokafka", "confluent"])
def pkg(request: pytest.FixtureRequest) -> ModuleType:
    return importlib.import_module(request.param)


async def test_batch_publisher_decorator_and_manual(pkg: ModuleType, name: str) -> None:
    broker = pkg.KafkaBroker()
    out = broker.publisher(f"{name}-out", batch=True)

    @broker.subscriber(name)
    @out
    async def split(n: int) -> tuple[int, ...]:
        return tuple(range(n))

    @broker.subscriber(f"{name}-out")
    async def each(n: Any) -> None: ...

    async with pkg.TestKafkaBroker(broker) as br:
        await br.publish(2, name)
        await out.publish("a", "b")
        await out.publish([5, 6])
        assert [c.args[0] for c in each.mock.call_args_list] == [0, 1, "a", "b", 5, 6]
        # FastStream 0.5's record: one call per batch, with the batch as a list.
        assert [c.args[0] for c in out.mock.call_args_list] == [[0, 1], ["a", "b"], [5, 6]]


async def test_batch_headers_are_each_records(pkg: ModuleType, name: str) -> None:
    broker = pkg.KafkaBroker()
    seen: list[Any] = []

    @broker.subscriber(name, batch=True)
    async def handle(items: list[str], msg: Msg) -> None:
        seen.append((msg.headers.get("x"), [h.get("x") for h in msg.batch_headers]))

    @broker.subscriber(name)
    async def one(body: str, msg: Msg) -> None:
        seen.append(msg.batch_headers)

    async with pkg.TestKafkaBroker(broker) as br:
        await br.publish_batch("a", "b", topic=name, headers={"x": "1"})
    assert ("1", ["1", "1"]) in seen
    assert [] in seen  # not a batch: no batch headers


async def test_get_one(pkg: ModuleType, name: str) -> None:
    broker = pkg.KafkaBroker()
    sub = broker.subscriber(name)
    batches = broker.subscriber(f"{name}-b", batch=True)

    async with pkg.TestKafkaBroker(broker) as br:
        assert await sub.get_one(timeout=1e-24) is None
        await br.publish("x", name)
        msg = await sub.get_one(timeout=1)
        assert msg is not None and msg.decoded() == "x"
        await br.publish_batch(1, 2, topic=f"{name}-b")
        msg = await batches.get_one(timeout=1)
        assert msg is not None and msg.decoded() == [1, 2]


async def test_get_one_refuses_a_subscriber_with_a_handler(pkg: ModuleType, name: str) -> None:
    broker = pkg.KafkaBroker()
    sub = broker.subscriber(name)

    @sub
    async def handle(body: str) -> None: ...

    async with pkg.TestKafkaBroker(broker):
        with pytest.raises(AssertionError):
            await sub.get_one(timeout=1e-24)


async def test_binary_items_stay_bytes_in_a_batch(pkg: ModuleType, name: str) -> None:
    broker = pkg.KafkaBroker()
    seen: list[Any] = []

    @broker.subscriber(name, batch=True)
    async def handle(items):  # type: ignore[no-untyped-def]  # unannotated, as in 0.5
        seen.append(items)

    async with pkg.TestKafkaBroker(broker) as br:
        await br.publish(b"hello", name)
        await br.publish_batch(b"a", "b", 1, topic=name)
    assert seen == [[b"hello"], [b"a", "b", 1]]

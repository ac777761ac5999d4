"""Test brokers as FastStream 0.5's tests use them (issue #15), on the real servers.

``Test<B>Broker(broker, with_real=True)`` consumes from the server and records
in the mocks; an in-memory block inside a broker started on its server leaves
that broker consuming; ``_subscribers`` and ``running`` on a real broker.
"""

from __future__ import annotations

import asyncio
from typing import Any

from kits import Kit, kit_fixture
from support import until

kit = kit_fixture(servers=True)


async def test_with_real_consumes_from_the_server_and_records(kit: Kit, name: str) -> None:
    broker = kit.Broker(kit.url)
    out = broker.publisher(f"{name}-out")

    @broker.subscriber(name)
    async def handle(msg: str) -> None:
        await out.publish(f"response: {msg}")
        if msg == "boom":
            raise ValueError("stays in the consume loop")

    @broker.subscriber(f"{name}-out")
    async def answer(msg: str) -> None: ...

    async with kit.Test(broker, with_real=True) as br:
        assert br.connected and br.running and not br.testing
        await br.publish("boom", name)  # the handler's error does not come back here
        await br.publish("hello", name)
        await answer.wait_call(10)
        await until(
            lambda: handle.mock.call_count == 2 and answer.mock.call_count == 2, 10, "calls"
        )
        # Sorted: a Kafka topic's partitions do not keep the order of two records.
        assert sorted(c.args[0] for c in handle.mock.call_args_list) == ["boom", "hello"]
        assert sorted(c.args[0] for c in out.mock.call_args_list) == [
            "response: boom",
            "response: hello",
        ]
    assert not br.running and not br.connected  # the block closes the broker, as in 0.5
    assert handle.mock is None  # and forgets the calls, as 0.5 did


async def _started(kit: Kit, name: str) -> tuple[Any, Any, asyncio.Queue[str]]:
    """A started broker whose subscriber on ``name`` queues what it gets."""
    broker = kit.Broker(kit.url)
    got: asyncio.Queue[str] = asyncio.Queue()

    @broker.subscriber(name)
    async def handle(msg: str) -> None:
        await got.put(msg)

    await broker.start()
    return broker, handle, got


async def test_with_real_records_on_a_broker_started_before(kit: Kit, name: str) -> None:
    broker, handle, got = await _started(kit, name)
    try:
        async with kit.Test(broker, with_real=True) as br:
            await br.publish("hi", name)
            await handle.wait_call(10)
            handle.mock.assert_called_once_with("hi")
    finally:
        await broker.close()
    assert await got.get() == "hi"


async def test_a_memory_block_leaves_a_started_broker_consuming(kit: Kit, name: str) -> None:
    broker, handle, got = await _started(kit, name)
    try:
        (sub,) = broker._subscribers.values()
        assert sub.running
        async with kit.Test(broker) as br:
            await br.publish("memory", name)
            handle.mock.assert_called_once_with("memory")
        assert await got.get() == "memory"
        assert broker.running and sub.running
        await broker.publish("server", name)
        assert await asyncio.wait_for(got.get(), 10) == "server"
    finally:
        await broker.close()
    assert not sub.running

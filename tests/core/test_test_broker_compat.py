"""Test brokers as FastStream 0.5's tests use them (issue #15), in memory.

``broker._subscribers`` / ``_publishers`` and ``subscriber.running``, the
``Test<B>Broker`` keywords (``with_real``, ``connect_only``) and a batch
publisher's ``mock``. The real-broker counterparts are in
``test_test_broker_compat_real.py``.
"""

from __future__ import annotations

from types import MappingProxyType

import pytest

from faststream_fastapi.core.testing import UnroutedError
from faststream_fastapi.redis import ListSub, RedisBroker, TestRedisBroker
from kits import Kit, kit_fixture

kit = kit_fixture()


async def test_subscribers_and_publishers_views(kit: Kit, name: str) -> None:
    broker = kit.Broker()
    out = broker.publisher(f"{name}-out")

    @broker.subscriber(name)
    async def first(x: int) -> None: ...

    @broker.subscriber(name)
    async def second(x: int) -> None: ...

    router = kit.Router()

    @router.subscriber(f"{name}-r")
    async def routed(x: int) -> None: ...

    broker.include_router(router)
    subs = broker._subscribers
    assert isinstance(subs, MappingProxyType)  # read-only
    assert list(subs) == [name, f"{name}#2", f"{name}-r"]
    assert [s.handler for s in subs.values()] == [first, second, routed]
    assert list(broker._publishers.values()) == [out]
    assert not any(s.running for s in subs.values())
    async with kit.Test(broker) as br:
        assert all(s.running for s in br._subscribers.values())
    assert not any(s.running for s in subs.values())


async def test_handlers_sharing_a_subscription_are_one_entry(name: str) -> None:
    broker = RedisBroker()
    sub = broker.subscriber(name, filter=lambda m: m.headers.get("k") == "a")

    @sub
    async def a(x: int) -> None: ...

    @sub
    async def b(x: int) -> None: ...

    (entry,) = broker._subscribers.values()
    async with TestRedisBroker(broker):
        assert entry.running
        assert all(s.running for s in broker.subscribers)  # the second through the first


async def test_batch_publisher_mock_records_the_batch_once(name: str) -> None:
    broker = RedisBroker()
    out = broker.publisher(list=ListSub(f"{name}-out", batch=True))

    @out
    @broker.subscriber(name)
    async def split(x: int) -> tuple[int, ...]:
        return tuple(range(x))

    async with TestRedisBroker(broker) as br:
        await br.publish(3, name)
        out.mock.assert_called_once_with([0, 1, 2])


async def test_connect_only_leaves_the_start_to_the_test(kit: Kit, name: str) -> None:
    broker = kit.Broker()

    @broker.subscriber(name)
    async def handle(x: int) -> None: ...

    async with kit.Test(broker, connect_only=True) as br:
        assert br.connected and not br.running
        with pytest.raises(UnroutedError):
            await br.publish(1, name)
        await br.start()
        await br.publish(2, name)
        handle.mock.assert_called_once_with(2)


def test_an_unknown_keyword_is_refused(kit: Kit) -> None:
    with pytest.raises(TypeError, match="with_reel"):
        kit.Test(kit.Broker(), with_reel=True)


async def test_faststream_05_module_path_of_the_plugin_context(name: str) -> None:
    from faststream_fastapi.broker.fastapi import StreamRouter as Generic
    from faststream_fastapi.broker.fastapi.context import Context, ContextRepo, Logger
    from faststream_fastapi.fastapi import StreamRouter
    from faststream_fastapi.redis import fastapi

    assert (Context, ContextRepo, Logger) == (fastapi.Context, fastapi.ContextRepo, fastapi.Logger)
    assert Generic is StreamRouter
    router = fastapi.RedisRouter()

    @router.subscriber(name)
    async def handle(x: int, headers: dict[str, str] = Context("message.headers")) -> str:
        return headers["k"]

    async with TestRedisBroker(router.broker) as br:
        reply = await br.request(1, name, headers={"k": "v"})
        assert reply.decoded() == "v"


async def test_a_block_inside_another_leaves_the_outer_one_recording(name: str) -> None:
    broker = RedisBroker()
    out = broker.publisher(f"{name}-out")

    @broker.subscriber(name)
    async def handle(x: int) -> None: ...

    async with TestRedisBroker(broker) as br:
        async with TestRedisBroker(broker):
            await br.publish(1, name)
        await br.publish(2, name)
        await out.publish(3)
        assert br.testing and br.under_test
        handle.mock.assert_called_once_with(2)
        out.mock.assert_called_once_with(3)
    assert not broker.testing and not broker.under_test

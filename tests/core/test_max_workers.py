"""``max_workers``: the option, the ``InFlight`` slots under it, and the test brokers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from faststream_fastapi.core.errors import SetupError
from faststream_fastapi.core.inflight import InFlight
from faststream_fastapi.core.message import StreamMessage
from faststream_fastapi.core.options import SubscriberConfig
from faststream_fastapi.nats import NatsBroker, TestNatsBroker
from faststream_fastapi.rabbit import RabbitBroker, RabbitQueue, TestRabbitBroker
from faststream_fastapi.redis import RedisBroker, RedisRouter, TestRedisBroker
from faststream_fastapi.redis.fastapi import RedisRouter as RedisAPIRouter


@pytest.mark.parametrize("cls", [RedisBroker, NatsBroker, RabbitBroker])
@pytest.mark.parametrize("bad", [0, -3])
def test_less_than_one_worker_is_refused_at_registration(cls: Any, bad: int) -> None:
    broker = cls()
    target = RabbitQueue("q") if cls is RabbitBroker else "q"
    with pytest.raises(SetupError, match=rf"max_workers must be 1 or more, not {bad}"):
        broker.subscriber(target, max_workers=bad)


def test_the_default_is_one() -> None:
    assert SubscriberConfig().max_workers == 1
    assert SubscriberConfig.of({"max_workers": 8}).max_workers == 8


def _message(n: int) -> StreamMessage:
    return StreamMessage(str(n).encode(), {})


async def test_slots_bound_the_deliveries_in_hand() -> None:
    inflight = InFlight(3)
    gate = asyncio.Event()
    now, peak, done = 0, 0, []

    async def deliver(message: StreamMessage) -> None:
        nonlocal now, peak
        now += 1
        peak = max(peak, now)
        await gate.wait()
        now -= 1
        done.append(message.body)

    async def loop() -> None:
        for n in range(10):
            assert await inflight.offer(deliver, _message(n))

    feeding = asyncio.get_running_loop().create_task(loop())
    for _ in range(5):
        await asyncio.sleep(0)
    assert (len(inflight), peak, feeding.done()) == (3, 3, False)  # the loop waits for a slot
    gate.set()
    await feeding
    await inflight.wait()
    assert (len(inflight), peak) == (0, 3)
    assert sorted(done) == sorted(str(n).encode() for n in range(10))


async def test_cancelled_spawned_deliveries_are_handed_back() -> None:
    inflight = InFlight(4)
    nacked: list[bytes] = []

    class Message(StreamMessage):
        async def nack(self) -> None:
            nacked.append(self.body)

    async def deliver(message: StreamMessage) -> None:
        await asyncio.sleep(10)

    for n in range(4):
        await inflight.slot()
        inflight.spawn(deliver, Message(str(n).encode(), {}))
    await asyncio.sleep(0)
    assert inflight.cancel() == 4
    await asyncio.wait_for(inflight.wait(), 1)
    assert sorted(nacked) == [b"0", b"1", b"2", b"3"]


@pytest.mark.parametrize(
    ("cls", "test_cls", "target"),
    [
        (RedisBroker, TestRedisBroker, "q"),
        (NatsBroker, TestNatsBroker, "q"),
        (RabbitBroker, TestRabbitBroker, RabbitQueue("q")),
    ],
)
@pytest.mark.parametrize("workers", [1, 8])
async def test_test_brokers_behave_the_same_at_any_n(
    cls: Any, test_cls: Any, target: Any, workers: int
) -> None:
    broker = cls()
    seen: list[int] = []

    @broker.subscriber(target, max_workers=workers)
    async def handle(n: int) -> int:
        await asyncio.sleep(0.001 * (n % 3))
        if n == 3:
            raise RuntimeError("boom")
        seen.append(n)
        return n

    async with test_cls(broker):
        await asyncio.gather(*(broker.publish(n, "q") for n in range(3)))
        with pytest.raises(RuntimeError, match="boom"):
            await broker.publish(3, "q")
        assert sorted(seen) == [0, 1, 2]
        assert handle.mock.call_count == 4


def test_routers_take_it() -> None:
    api = RedisAPIRouter()
    router = RedisRouter(prefix="in.")

    @api.subscriber("q", max_workers=16)
    @router.subscriber("q", max_workers=4)
    async def handle(n: int) -> None: ...

    api.broker.include_router(router)
    assert [s.config.max_workers for s in api.broker.subscribers] == [16, 4]


async def test_a_worker_takes_the_offered_message_without_a_task_per_message() -> None:
    inflight = InFlight(2)
    tasks: set[asyncio.Task[Any]] = set()
    done: list[bytes] = []

    async def deliver(message: StreamMessage) -> None:
        tasks.add(asyncio.current_task())  # type: ignore[arg-type]
        await asyncio.sleep(0.001)
        done.append(message.body)

    for n in range(10):
        assert await inflight.offer(deliver, _message(n))
    await inflight.wait()
    assert sorted(done) == sorted(str(n).encode() for n in range(10))
    assert len(tasks) == 2  # the two workers ran all ten, one after another
    assert inflight._workers == 2  # parked, waiting for the next offer
    inflight.close()
    await asyncio.gather(*tasks)
    await asyncio.sleep(0)  # their done callbacks
    assert inflight._workers == 0 and all(task.done() for task in tasks)


def _gated() -> tuple[Callable[[StreamMessage], Awaitable[None]], asyncio.Event, list[bytes]]:
    """A delivery that records each body, then waits for the gate."""
    gate = asyncio.Event()
    started: list[bytes] = []

    async def deliver(message: StreamMessage) -> None:
        started.append(message.body)
        await gate.wait()

    return deliver, gate, started


async def test_close_hands_the_offered_message_back_unstarted() -> None:
    inflight = InFlight(1)
    deliver, gate, started = _gated()
    assert await inflight.offer(deliver, _message(0))
    waiting = asyncio.get_running_loop().create_task(inflight.offer(deliver, _message(1)))
    await asyncio.sleep(0)
    assert not waiting.done()  # no worker free
    inflight.close()
    assert await waiting is False  # not started: its loop hands it back
    assert not await inflight.offer(deliver, _message(2))
    gate.set()
    await inflight.wait()
    assert started == [b"0"]
    for _ in range(3):
        await asyncio.sleep(0)
    assert inflight._workers == 0  # the worker, closed during its delivery, ended


async def test_an_offer_whose_loop_was_cancelled_is_skipped() -> None:
    inflight = InFlight(1)
    deliver, gate, started = _gated()
    assert await inflight.offer(deliver, _message(0))
    gone = asyncio.get_running_loop().create_task(inflight.offer(deliver, _message(1)))
    await asyncio.sleep(0)
    gone.cancel()
    kept = asyncio.get_running_loop().create_task(inflight.offer(deliver, _message(2)))
    await asyncio.sleep(0)
    gate.set()
    assert await kept is True
    await inflight.wait()
    assert started == [b"0", b"2"]


async def test_offered_messages_go_on_after_a_worker_fails() -> None:
    inflight = InFlight(1)
    done: list[bytes] = []

    async def deliver(message: StreamMessage) -> None:
        await asyncio.sleep(0)
        if message.body == b"0":
            raise RuntimeError("a bug in a consume loop's deliver")
        done.append(message.body)

    assert await inflight.offer(deliver, _message(0))
    assert await asyncio.wait_for(inflight.offer(deliver, _message(1)), 1)
    await asyncio.wait_for(inflight.wait(), 1)
    assert done == [b"1"]


async def test_offer_all_hands_a_batch_to_the_workers_in_order() -> None:
    inflight = InFlight(2)
    started: list[bytes] = []

    async def deliver(message: StreamMessage) -> None:
        started.append(message.body)
        await asyncio.sleep(0.001)

    assert await inflight.offer_all(deliver, [_message(n) for n in range(10)]) == 10
    await inflight.wait()
    assert started == [str(n).encode() for n in range(10)]  # started in order


async def test_close_during_offer_all_says_how_many_started() -> None:
    inflight = InFlight(2)
    deliver, gate, started = _gated()
    offering = asyncio.get_running_loop().create_task(
        inflight.offer_all(deliver, [_message(n) for n in range(5)])
    )
    await asyncio.sleep(0.01)
    assert not offering.done() and len(inflight) == 2
    inflight.close()
    assert await offering == 2  # messages 2, 3 and 4 go back to the loop
    gate.set()
    await inflight.wait()
    assert started == [b"0", b"1"]

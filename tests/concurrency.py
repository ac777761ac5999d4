"""The ``max_workers`` scenarios every broker's tests run (importable: ``tests/`` is on the path).

A ``Source`` says how one kind of subscription is made on one broker; the
scenarios take it and check what holds whatever the broker: N handlers at once
and never more, a graceful stop with N in flight, and the same outcomes at
N = 1 and N = 8.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import BackgroundTasks

from faststream_fastapi import Context
from faststream_fastapi.core.message import StreamMessage
from faststream_fastapi.core.middleware import CallNext, Middleware
from support import until


@dataclass
class Source:
    """One kind of subscription: ``broker(**options)`` makes a broker,
    ``subscribe(broker, handler, **options)`` registers ``handler`` on it,
    ``publish(broker, n, **options)`` sends ``n`` (with ``correlation_id``)."""

    broker: Callable[..., Any]
    subscribe: Callable[..., Any]
    publish: Callable[..., Awaitable[Any]]
    #: Whether messages received but not started at a stop reach the next consumer.
    redelivers: bool = True
    #: Whether messages published before ``start`` wait for it.
    waits: bool = True


class Gauge:
    """Handlers in progress now, the most seen at once, and what they handled."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self.handled: list[int] = []
        self.gate = asyncio.Event()

    async def hold(self, n: int) -> None:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            await self.gate.wait()
        finally:
            self.now -= 1
        self.handled.append(n)


async def _started(source: Source, broker: Any, count: int) -> None:
    """Start ``broker`` with ``count`` messages waiting (or sent just after, when
    they would not wait)."""
    if not source.waits:
        await broker.start()
    for n in range(count):
        await source.publish(broker, n)
    if source.waits:
        await broker.start()


async def concurrency_reached(source: Source, workers: int = 8) -> None:
    """With 2N messages waiting, N handlers run at once, never more; then all end."""
    broker = source.broker()
    gauge = Gauge()

    async def handle(n: int) -> None:
        await gauge.hold(n)

    source.subscribe(broker, handle, max_workers=workers)
    async with broker:
        await _started(source, broker, 2 * workers)
        await until(lambda: gauge.now == workers, 10, f"{workers} handlers at once")
        await asyncio.sleep(0.3)  # the other N messages wait: no slot is free
        assert (gauge.now, gauge.peak) == (workers, workers)
        gauge.gate.set()
        await until(lambda: len(gauge.handled) == 2 * workers, 10, "every message handled")
    assert sorted(gauge.handled) == list(range(2 * workers))
    assert gauge.peak == workers


async def graceful_stop(source: Source, workers: int = 4, *, cancel: bool = False) -> None:
    """Closed with N in flight and N more waiting: the N finish and are settled
    (with ``cancel``, they never finish: past the graceful timeout they are
    cancelled and handed back), no other starts, and (where the broker
    redelivers) the next consumer gets exactly the messages not handled."""
    broker = source.broker(graceful_timeout=0.5 if cancel else 10.0)
    gauge = Gauge()
    settled: list[StreamMessage] = []

    async def handle(n: int, message: StreamMessage) -> None:
        settled.append(message)
        await gauge.hold(n)

    source.subscribe(broker, handle, max_workers=workers)
    async with broker:
        await _started(source, broker, 2 * workers)
        await until(lambda: gauge.now == workers, 10, f"{workers} handlers at once")
        closing = asyncio.get_running_loop().create_task(broker.close())
        await asyncio.sleep(0.2)
        assert not closing.done()  # waiting for the handlers in flight
        if not cancel:
            gauge.gate.set()
        await asyncio.wait_for(closing, 10)
    # None started once the stop began.
    assert (len(gauge.handled), gauge.now) == (0 if cancel else workers, 0)
    assert [m.settled for m in settled] == ["nack" if cancel else "ack"] * workers
    if not source.redelivers:
        return
    rest: list[int] = []
    again = source.broker()

    async def take(n: int) -> None:
        rest.append(n)

    source.subscribe(again, take)
    async with again:
        await again.start()
        left = 2 * workers - len(gauge.handled)
        await until(lambda: len(rest) >= left, 10, "the messages not handled")
        await asyncio.sleep(0.3)  # and nothing more: none handled twice
    assert sorted(gauge.handled + rest) == list(range(2 * workers))


class _Counting(Middleware):
    seen: Counter[str] = Counter()

    async def consume(self, message: StreamMessage, call_next: CallNext) -> Any:
        _Counting.seen[message.correlation_id or ""] += 1
        return await call_next(message)


async def outcomes(
    source: Source, dead_letter: Callable[[Any, Callable[..., Any]], Any], workers: int
) -> dict[str, Any]:
    """Run one scenario and return what came out of it: which messages were
    handled (with the correlation id each handler saw in its context), how
    each attempt was settled, the retries, the dead letters, the background
    tasks run and the middleware calls. Multiples of 5 always fail: retried
    once, then dead-lettered; multiples of 3 fail the first time only.
    ``dead_letter(broker, handler)`` subscribes ``handler`` to the dead letters
    and returns the publisher that sends them there."""
    _Counting.seen.clear()
    broker = source.broker(middlewares=[_Counting()])
    attempts: Counter[int] = Counter()
    settled: list[tuple[int, StreamMessage]] = []
    background: list[int] = []
    dead_letters: list[tuple[int, str | None]] = []
    count = 30

    async def handle(
        n: int,
        message: StreamMessage,
        tasks: BackgroundTasks,
        cid: Annotated[str, Context("message.correlation_id")],
    ) -> None:
        attempts[n] += 1
        settled.append((n, message))
        await asyncio.sleep(0.002 * (n % 4))  # out of order at N > 1
        assert cid == f"c{n}", (cid, n)
        if n % 5 == 0 or (n % 3 == 0 and attempts[n] == 1):
            raise RuntimeError(f"fail {n}")
        tasks.add_task(background.append, n)

    async def inspect(n: int, message: StreamMessage) -> None:
        dead_letters.append((n, message.headers.get("x-retries")))

    outlet = dead_letter(broker, inspect)
    source.subscribe(
        broker,
        handle,
        max_workers=workers,
        max_retries=1,
        retry_delay=0.01,
        dead_letter=outlet,
    )
    async with broker:
        await broker.start()
        for n in range(count):
            await source.publish(broker, n, correlation_id=f"c{n}")
        failing = [n for n in range(count) if n % 5 == 0]
        ok = [n for n in range(count) if n % 5]
        await until(
            lambda: len(dead_letters) == len(failing) and sorted(background) == ok,
            15,
            lambda: f"dead letters {dead_letters}, background {sorted(background)}",
        )
        await asyncio.sleep(0.3)  # nothing more comes
        sub = broker.subscribers[-1]
        counters = (sub.retried, sub.dead_lettered)
    return {
        "attempts": sorted(attempts.items()),
        "settled": sorted((n, m.settled) for n, m in settled),
        "dead": sorted(dead_letters),
        "background": sorted(background),
        "middleware": sorted(_Counting.seen.items()),
        "counters": counters,
    }

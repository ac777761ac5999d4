"""``max_workers`` on RabbitMQ queues, with the broker's ``prefetch_count``."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import aio_pika
import pytest

from concurrency import Source, concurrency_reached, graceful_stop, outcomes
from faststream_fastapi.rabbit import RabbitBroker, RabbitQueue

pytestmark = pytest.mark.rabbit
URL = "amqp://guest:guest@127.0.0.1:5672/"


@pytest.fixture
async def queue(name: str) -> AsyncIterator[str]:
    """The test's queue name; it and its ``-1``, ``-8``, ``-d1``, ``-d8`` are deleted after."""
    yield name
    connection = await aio_pika.connect(URL)
    async with connection:
        for suffix in ("", "-1", "-8", "-d1", "-d8"):
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.queue_delete(name + suffix)


def _source(name: str, prefetch: int = 10) -> Source:
    # Not auto-deleted: what a stopped consumer hands back waits for the next one.
    return Source(
        lambda **o: RabbitBroker(URL, prefetch_count=prefetch, **o),
        lambda b, h, **o: b.subscriber(RabbitQueue(name), **o)(h),
        lambda b, n, **o: b.publish(n, name, **o),
        waits=False,
    )


@pytest.mark.parametrize("prefetch", [2, 10, 30])
async def test_n_handlers_run_at_once_and_never_more_whatever_the_prefetch(
    queue: str, prefetch: int
) -> None:
    await concurrency_reached(_source(queue, prefetch))


@pytest.mark.parametrize("cancel", [False, True], ids=["finished", "cancelled"])
async def test_graceful_stop_with_n_in_flight(queue: str, cancel: bool) -> None:
    await graceful_stop(_source(queue), cancel=cancel)


def _dead_letter(name: str) -> Callable[[Any, Callable[..., Any]], Any]:
    def attach(broker: Any, handler: Callable[..., Any]) -> Any:
        broker.subscriber(RabbitQueue(name))(handler)
        return broker.publisher(name)

    return attach


async def test_same_outcomes_at_1_and_8_workers(queue: str) -> None:
    one = await outcomes(_source(f"{queue}-1"), _dead_letter(f"{queue}-d1"), 1)
    eight = await outcomes(_source(f"{queue}-8"), _dead_letter(f"{queue}-d8"), 8)
    assert one == eight
    assert one["counters"] == (6 + 8, 6)  # retried: 6 multiples of 5, 8 other ones of 3

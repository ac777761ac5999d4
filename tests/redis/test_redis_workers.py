"""``max_workers`` on Redis channels, lists and streams, against the real server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from concurrency import Source, concurrency_reached, graceful_stop, outcomes
from faststream_fastapi.redis import RedisBroker, StreamSub

pytestmark = pytest.mark.redis
URL = "redis://127.0.0.1:6379"


def _broker(**options: Any) -> RedisBroker:
    return RedisBroker(URL, **options)


def _sources(name: str) -> dict[str, Source]:
    group = StreamSub(name, group="g", polling_interval=0.05, min_idle_time=200, last_id="0")
    return {
        "channel": Source(
            _broker,
            lambda b, h, **o: b.subscriber(name, **o)(h),
            lambda b, n, **o: b.publish(n, name, **o),
            redelivers=False,
            waits=False,
        ),
        "list": Source(
            _broker,
            lambda b, h, **o: b.subscriber(list=name, **o)(h),
            lambda b, n, **o: b.publish(n, list=name, **o),
        ),
        "stream": Source(
            _broker,
            lambda b, h, **o: b.subscriber(stream=group, **o)(h),
            lambda b, n, **o: b.publish(n, stream=name, **o),
        ),
    }


@pytest.mark.parametrize("kind", ["channel", "list", "stream"])
async def test_n_handlers_run_at_once_and_never_more(name: str, kind: str) -> None:
    await concurrency_reached(_sources(name)[kind])


@pytest.mark.parametrize("kind", ["list", "stream"])
async def test_graceful_stop_finishes_the_n_in_flight_and_hands_back_the_rest(
    name: str, kind: str
) -> None:
    await graceful_stop(_sources(name)[kind])


async def test_n_in_flight_past_the_graceful_timeout_are_cancelled_and_handed_back(
    name: str,
) -> None:
    # A popped list item is gone once started; a stream entry stays pending.
    await graceful_stop(_sources(name)["stream"], cancel=True)


def _dead_letter(name: str) -> Callable[[Any, Callable[..., Any]], Any]:
    def attach(broker: Any, handler: Callable[..., Any]) -> Any:
        broker.subscriber(stream=StreamSub(name, group="ops", polling_interval=0.05))(handler)
        return broker.publisher(stream=name)

    return attach


async def test_same_outcomes_at_1_and_8_workers(name: str) -> None:
    one = await outcomes(_sources(f"{name}-1")["stream"], _dead_letter(f"{name}-1d"), 1)
    eight = await outcomes(_sources(f"{name}-8")["stream"], _dead_letter(f"{name}-8d"), 8)
    assert one == eight
    assert one["counters"] == (6 + 8, 6)  # retried: 6 multiples of 5, 8 other ones of 3

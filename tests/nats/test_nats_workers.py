"""``max_workers`` on NATS core subjects and JetStream push and pull consumers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from nats.aio.client import Client

from concurrency import Source, concurrency_reached, graceful_stop, outcomes
from faststream_fastapi.nats import NatsBroker, PullSub

pytestmark = pytest.mark.nats
URL = "nats://127.0.0.1:4222"


@pytest.fixture
async def stream(name: str) -> AsyncIterator[str]:
    """The test's JetStream stream name; it and its ``-1``, ``-8`` are deleted afterwards."""
    yield name
    nc = Client()
    await nc.connect(URL)
    for suffix in ("", "-1", "-8"):
        with contextlib.suppress(Exception):
            await nc.jetstream().delete_stream(name + suffix)
    await nc.close()


def _broker(**options: Any) -> NatsBroker:
    return NatsBroker(URL, **options)


def _sources(name: str) -> dict[str, Source]:
    return {
        "core": Source(
            _broker,
            lambda b, h, **o: b.subscriber(name, **o)(h),
            lambda b, n, **o: b.publish(n, name, **o),
            redelivers=False,
            waits=False,
        ),
        "push": Source(
            _broker,
            lambda b, h, **o: b.subscriber(name, stream=name, durable="push", **o)(h),
            lambda b, n, **o: b.publish(n, name, stream=name, **o),
        ),
        "pull": Source(
            _broker,
            lambda b, h, **o: b.subscriber(
                name, stream=name, durable="pull", pull_sub=PullSub(4, timeout=0.2), **o
            )(h),
            lambda b, n, **o: b.publish(n, name, stream=name, **o),
        ),
    }


@pytest.mark.parametrize("kind", ["core", "push", "pull"])
async def test_n_handlers_run_at_once_and_never_more(stream: str, kind: str) -> None:
    await concurrency_reached(_sources(stream)[kind])


@pytest.mark.parametrize("kind", ["push", "pull"])
async def test_graceful_stop_finishes_the_n_in_flight_and_hands_back_the_rest(
    stream: str, kind: str
) -> None:
    await graceful_stop(_sources(stream)[kind])


@pytest.mark.parametrize("kind", ["push", "pull"])
async def test_n_in_flight_past_the_graceful_timeout_are_cancelled_and_handed_back(
    stream: str, kind: str
) -> None:
    await graceful_stop(_sources(stream)[kind], cancel=True)


def _dead_letter(subject: str) -> Callable[[Any, Callable[..., Any]], Any]:
    def attach(broker: Any, handler: Callable[..., Any]) -> Any:
        broker.subscriber(subject)(handler)
        return broker.publisher(subject)

    return attach


@pytest.mark.parametrize("kind", ["push", "pull"])
async def test_same_outcomes_at_1_and_8_workers(stream: str, kind: str) -> None:
    one = await outcomes(_sources(f"{stream}-1")[kind], _dead_letter(f"{stream}.d1"), 1)
    eight = await outcomes(_sources(f"{stream}-8")[kind], _dead_letter(f"{stream}.d8"), 8)
    assert one == eight
    assert one["counters"] == (6 + 8, 6)  # retried: 6 multiples of 5, 8 other ones of 3

"""A JetStream subscriber without a subject, reading ``ConsumerConfig.filter_subjects``."""

import asyncio
from typing import Any

import pytest

from faststream_fastapi.core import SetupError
from faststream_fastapi.nats import ConsumerConfig, JStream, NatsBroker, TestNatsBroker
from support import collect


def _declare(broker: NatsBroker, name: str, got: asyncio.Queue[Any]) -> None:
    @broker.subscriber(
        config=ConsumerConfig(filter_subjects=[f"{name}.a", f"{name}.b"]),
        stream=JStream(name, subjects=[f"{name}.*"]),
    )
    async def handle(body: int) -> None:
        await got.put(body)


@pytest.mark.nats
async def test_filter_subjects_on_the_server(name: str) -> None:
    got: asyncio.Queue[Any] = asyncio.Queue()
    broker = NatsBroker("nats://127.0.0.1:4222")
    _declare(broker, name, got)
    async with broker:
        await broker.start()
        for subject, n in (("c", 0), ("a", 1), ("b", 2)):
            await broker.publish(n, f"{name}.{subject}", stream=name)
        assert sorted(await collect(2, got)) == [1, 2]
        await asyncio.sleep(0.2)
        assert got.empty()


async def test_filter_subjects_under_the_test_broker(name: str) -> None:
    got: asyncio.Queue[Any] = asyncio.Queue()
    broker = NatsBroker()
    _declare(broker, name, got)

    @broker.subscriber(f"{name}.c")
    async def other(body: int) -> None: ...

    async with TestNatsBroker(broker) as br:
        for subject, n in (("a", 1), ("c", 0), ("b", 2)):
            await br.publish(n, f"{name}.{subject}")
    assert [got.get_nowait() for _ in range(got.qsize())] == [1, 2]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"stream": "s"},  # a stream without subjects
        {"stream": JStream("s", subjects=["x.*"])},  # no filter_subjects
    ],
)
def test_a_subscriber_without_subject_needs_filter_subjects(options: dict[str, Any]) -> None:
    with pytest.raises(SetupError, match="give a subject"):
        NatsBroker().subscriber(**options)

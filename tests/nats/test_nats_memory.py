"""TestNatsBroker: NATS routing rules in memory, through the real pipeline."""

from __future__ import annotations

import pytest
from nats.js.api import ConsumerConfig
from pydantic import BaseModel

from faststream_fastapi import Path
from faststream_fastapi.core.errors import PublishError, SetupError
from faststream_fastapi.nats import (
    JStream,
    NatsBroker,
    NatsRouter,
    PullSub,
    TestNatsBroker,
    fastapi,
)
from faststream_fastapi.nats.specs import NatsSub, subject_matches


class Order(BaseModel):
    id: int


@pytest.mark.parametrize(
    ("pattern", "subject", "matches"),
    [
        ("a.b", "a.b", True),
        ("a.b", "a.b.c", False),
        ("a.*", "a.b", True),
        ("a.*", "a.b.c", False),
        ("a.*.c", "a.x.c", True),
        ("a.>", "a.b", True),
        ("a.>", "a.b.c.d", True),
        ("a.>", "a", False),
        (">", "anything.at.all", True),
        ("*", "a.b", False),
    ],
)
def test_subject_matching(pattern: str, subject: str, matches: bool) -> None:
    assert subject_matches(pattern, subject) is matches


def test_path_params_subscribe_with_star() -> None:
    assert NatsSub("logs.{level}.{app}").wire_subject == "logs.*.*"


# Seed 003, "Testing": the FastAPI router under the in-memory broker.
seed_router = fastapi.NatsRouter()


@seed_router.subscriber("test")
async def seed_handler(msg: str) -> None: ...


async def test_seed_router_mock() -> None:
    async with TestNatsBroker(seed_router.broker) as br:
        await br.publish("Hi!", "test")

        seed_handler.mock.assert_called_once_with("Hi!")


async def test_wildcards_route_like_nats(name: str) -> None:
    broker = NatsBroker()
    seen: dict[str, list[str]] = {"star": [], "tail": [], "exact": []}

    @broker.subscriber(f"{name}.*")
    async def star(msg: str) -> None:
        seen["star"].append(msg)

    @broker.subscriber(f"{name}.>")
    async def tail(msg: str) -> None:
        seen["tail"].append(msg)

    @broker.subscriber(f"{name}.a")
    async def exact(msg: str) -> None:
        seen["exact"].append(msg)

    async with TestNatsBroker(broker) as br:
        await br.publish("one", f"{name}.a")
        await br.publish("two", f"{name}.b.c")
        with pytest.raises(PublishError, match=f"subject '{name}'"):
            await br.publish("none", f"{name}")

    assert seen == {"star": ["one"], "tail": ["one", "two"], "exact": ["one"]}


async def test_path_params_from_subject(name: str) -> None:
    broker = NatsBroker()
    got: list[tuple[str, Order]] = []

    @broker.subscriber(name + ".{level}")
    async def logs(order: Order, level: str = Path()) -> None:
        got.append((level, order))

    async with TestNatsBroker(broker) as br:
        await br.publish(Order(id=1), f"{name}.error")
        with pytest.raises(PublishError, match="nothing subscribes"):  # two tokens: no match
            await br.publish(Order(id=2), f"{name}.error.deep")

    assert got == [("error", Order(id=1))]


async def test_queue_group_members_compete(name: str) -> None:
    broker = NatsBroker()
    calls: list[str] = []

    @broker.subscriber(name, "workers")
    async def first(msg: int) -> None:
        calls.append("first")

    @broker.subscriber(name, "workers")
    async def second(msg: int) -> None:
        calls.append("second")

    @broker.subscriber(name)
    async def audit(msg: int) -> None:
        calls.append("audit")

    async with TestNatsBroker(broker) as br:
        for i in range(3):
            await br.publish(i, name)

    # Every message reaches the group once and the plain subscriber once.
    assert calls.count("audit") == 3
    assert calls.count("first") + calls.count("second") == 3


async def test_jetstream_subscribers_get_stream_subjects(name: str) -> None:
    broker = NatsBroker()
    stream = JStream(name, subjects=[f"{name}.>"])
    got: list[str] = []

    @broker.subscriber(f"{name}.push", stream=stream)
    async def push(msg: str) -> None:
        got.append(f"push:{msg}")

    @broker.subscriber(f"{name}.pull", stream=stream, durable="d", pull_sub=PullSub(10))
    async def pull(msg: str) -> None:
        got.append(f"pull:{msg}")

    @broker.subscriber(f"{name}.pull", stream=stream, durable="d", pull_sub=True)
    async def pull_twin(msg: str) -> None:
        got.append(f"twin:{msg}")

    async with TestNatsBroker(broker) as br:
        await br.publish("a", f"{name}.push", stream=stream)
        await br.publish("b", f"{name}.pull", stream=name)

    # The two subscriptions of durable "d" are one consumer: one delivery.
    assert got == ["push:a", "pull:b"]


async def test_a_consumer_takes_its_filter_subjects(name: str) -> None:
    broker = NatsBroker()
    stream = JStream(name, subjects=[f"{name}.*"])
    router = NatsRouter(prefix="p-")
    config = ConsumerConfig(filter_subjects=[f"{name}.a", f"{name}.c"])

    @broker.subscriber(config=config, stream=stream)
    async def filtered(x: int) -> None: ...

    @router.subscriber(config=ConsumerConfig(filter_subjects=["x"]), stream=f"{name}-r")
    async def prefixed(x: int) -> None: ...

    broker.include_router(router)
    async with TestNatsBroker(broker) as br:
        await br.publish(1, f"{name}.b")  # kept in the stream: no error, no delivery
        await br.publish(2, f"{name}.a")
        await br.publish(3, f"{name}.c")
        await br.publish(4, "p-x")
        with pytest.raises(PublishError, match="nothing subscribes"):
            await br.publish(5, f"{name}-other.a")
        assert [c.args[0] for c in filtered.mock.call_args_list] == [2, 3]
        prefixed.mock.assert_called_once_with(4)


def test_a_subscriber_needs_a_subject_or_filter_subjects() -> None:
    broker = NatsBroker()
    with pytest.raises(SetupError, match="filter_subjects"):
        broker.subscriber()
    with pytest.raises(SetupError, match="filter_subjects"):
        broker.subscriber(stream="s", config=ConsumerConfig())


async def test_request_reply_and_publisher(name: str) -> None:
    broker = NatsBroker()
    router = NatsRouter(prefix=f"{name}.")

    @router.subscriber("double")
    @router.publisher("doubled")
    async def double(x: int) -> int:
        return x * 2

    @router.subscriber("doubled")
    async def sink(x: int) -> None: ...

    broker.include_router(router)

    async with TestNatsBroker(broker) as br:
        reply = await br.request(21, f"{name}.double", timeout=1)
        assert reply.decode() == 42
        sink.mock.assert_called_once_with(42)


def test_jetstream_options_need_a_stream() -> None:
    broker = NatsBroker()
    with pytest.raises(SetupError, match="stream="):
        broker.subscriber("x", durable="d")
    with pytest.raises(SetupError, match="queue="):
        broker.subscriber("x", "q", stream="s", pull_sub=True)


async def test_jetstream_publishes_carry_a_dedup_id_core_ones_only_when_given(name: str) -> None:
    broker = NatsBroker()
    seen: list[str | None] = []

    @broker.subscriber(f"{name}.>", stream=JStream(name, subjects=[f"{name}.>"]))
    async def stored(body: str, message: fastapi.NatsMessage) -> None:
        seen.append(message.headers.get("Nats-Msg-Id"))

    @broker.subscriber(f"core-{name}")
    async def core(body: str, message: fastapi.NatsMessage) -> None:
        seen.append(message.headers.get("Nats-Msg-Id"))

    async with TestNatsBroker(broker) as br:
        await br.publish("a", f"{name}.x", stream=name)
        await br.publish("b", f"{name}.x", stream=name)
        await br.publish("c", f"{name}.x", stream=name, message_id="mine")
        await br.publisher(f"{name}.x", stream=name).publish("d", message_id="theirs")
        await br.publish("e", f"core-{name}")
        await br.publish("f", f"core-{name}", message_id="given")
    generated = seen[:2]
    assert all(generated) and generated[0] != generated[1]
    assert seen[2:] == ["mine", "theirs", None, "given"]

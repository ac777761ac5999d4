"""Kafka semantics in memory, for both client packages (no cluster needed)."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel

from faststream_fastapi import Header, Path
from faststream_fastapi.core.errors import MessageValidationError, NotConnectedError, PublishError
from faststream_fastapi.kafka.fastapi import KafkaMessage as Msg

PACKAGES = ["faststream_fastapi.kafka", "faststream_fastapi.confluent"]


@pytest.fixture(params=PACKAGES, ids=["aiokafka", "confluent"])
def pkg(request: pytest.FixtureRequest) -> ModuleType:
    return importlib.import_module(request.param)


class Item(BaseModel):
    x: int


def test_both_packages_export_the_same_names(pkg: ModuleType) -> None:
    from faststream_fastapi.kafka import KafkaMessage

    assert pkg.KafkaMessage is KafkaMessage
    for name in ("KafkaBroker", "KafkaRouter", "TestKafkaBroker", "TopicPartition", "fastapi"):
        assert name in pkg.__all__
    for name in ("KafkaRouter", "Logger", "Context", "KafkaMessage", "KafkaBroker"):
        assert name in pkg.fastapi.__all__


async def test_seed_003_testing_example(pkg: ModuleType) -> None:
    router = pkg.fastapi.KafkaRouter()

    @router.subscriber("test")
    async def handler(msg: str) -> None: ...

    async with pkg.TestKafkaBroker(router.broker) as br:
        await br.publish("Hi!", "test")

        handler.mock.assert_called_once_with("Hi!")


async def test_key_partition_offset_and_headers(pkg: ModuleType, name: str) -> None:
    broker = pkg.KafkaBroker()
    seen: list[tuple[Any, ...]] = []

    @broker.subscriber(name)
    async def handler(item: Item, msg: Msg, trace: str = Header(default="-")) -> None:
        seen.append((item.x, msg.key, msg.partition, msg.offset, trace, msg.timestamp))

    async with pkg.TestKafkaBroker(broker, partitions=4) as br:
        for i in range(6):
            await br.publish(Item(x=i), name, key="same", headers={"Trace": f"t{i}"})
        await br.publish(Item(x=9), name, partition=3, timestamp_ms=1234)

    keyed = seen[:6]
    assert {s[2] for s in keyed} == {keyed[0][2]}  # one key, one partition
    assert [s[3] for s in keyed] == list(range(6))  # offsets count up per partition
    assert [s[4] for s in keyed] == [f"t{i}" for i in range(6)]
    assert keyed[0][1] == b"same"
    assert seen[6][2] == 3 and seen[6][5] == 1234


async def test_partition_subscription_sees_only_its_partition(pkg: ModuleType, name: str) -> None:
    broker = pkg.KafkaBroker()
    got: list[int] = []

    @broker.subscriber(partitions=[pkg.TopicPartition(name, 1)])
    async def handler(x: int) -> None:
        got.append(x)

    async with pkg.TestKafkaBroker(broker, partitions=2) as br:
        await br.publish(1, name, partition=0)
        await br.publish(2, name, partition=1)

    assert got == [2]


async def test_groups_compete_and_each_group_gets_a_copy(pkg: ModuleType, name: str) -> None:
    broker = pkg.KafkaBroker()
    calls: list[str] = []

    @broker.subscriber(name, group_id="a")
    async def a1(x: int) -> None:
        calls.append("a1")

    @broker.subscriber(name, group_id="a")
    async def a2(x: int) -> None:
        calls.append("a2")

    @broker.subscriber(name, group_id="b")
    async def b(x: int) -> None:
        calls.append("b")

    @broker.subscriber(name)
    async def loner(x: int) -> None:
        calls.append("loner")

    async with pkg.TestKafkaBroker(broker) as br:
        await br.publish(1, name)

    assert sorted(calls) == ["a1", "b", "loner"]


async def test_pattern_subscription(pkg: ModuleType, name: str) -> None:
    broker = pkg.KafkaBroker()
    got: list[str] = []

    @broker.subscriber(pattern=rf"{name}\..*")
    async def handler(msg: Msg) -> None:
        got.append(msg.topic)

    async with pkg.TestKafkaBroker(broker) as br:
        await br.publish(1, f"{name}.a")
        await br.publish(1, f"{name}.b")
        with pytest.raises(PublishError, match=f"topic 'other.{name}'"):
            await br.publish(1, f"other.{name}")

    assert got == [f"{name}.a", f"{name}.b"]


async def test_batch_subscriber_gets_a_list(pkg: ModuleType, name: str) -> None:
    broker = pkg.KafkaBroker()
    calls: list[list[Item]] = []

    @broker.subscriber(name, batch=True)
    async def handler(items: list[Item], msg: Msg) -> None:
        assert msg.batch is not None and len(msg.batch) == len(items)
        calls.append(items)

    async with pkg.TestKafkaBroker(broker) as br:
        await br.publish_batch(Item(x=1), Item(x=2), Item(x=3), topic=name)
        await br.publish(Item(x=4), name)

    assert calls == [[Item(x=1), Item(x=2), Item(x=3)], [Item(x=4)]]


async def test_batch_of_text_and_bytes(pkg: ModuleType, name: str) -> None:
    broker = pkg.KafkaBroker()

    seen: list[list[str]] = []

    @broker.subscriber(name, batch=True)
    async def handler(items: list[str]) -> None:
        seen.append(items)

    async with pkg.TestKafkaBroker(broker) as br:
        await br.publish_batch("a", b"b", topic=name)

        assert seen == [["a", "b"]]  # validated as the handler asks
        handler.mock.assert_called_once_with(["a", b"b"])  # the body as published


async def test_publisher_decorator_and_prefixed_router(pkg: ModuleType, name: str) -> None:
    broker = pkg.KafkaBroker()
    router = pkg.KafkaRouter(prefix=f"{name}.")
    out: list[tuple[int, bytes | None]] = []

    @router.subscriber("in")
    @router.publisher("out", key="k")
    async def double(x: int) -> int:
        return x * 2

    @broker.subscriber(f"{name}.out")
    async def sink(x: int, msg: Msg) -> None:
        out.append((x, msg.key))

    broker.include_router(router)
    async with pkg.TestKafkaBroker(broker) as br:
        await br.publish(21, f"{name}.in")

    assert out == [(42, b"k")]


async def test_invalid_message_raises_in_memory(pkg: ModuleType, name: str) -> None:
    broker = pkg.KafkaBroker()

    @broker.subscriber(name)
    async def handler(item: Item) -> None: ...

    async with pkg.TestKafkaBroker(broker) as br:
        with pytest.raises(MessageValidationError):
            await br.publish({"x": "not a number"}, name)


async def test_request_is_refused_outside_the_test_broker(pkg: ModuleType, name: str) -> None:
    broker = pkg.KafkaBroker()
    with pytest.raises(NotImplementedError, match="no request/reply"):
        await broker.request(1, name)


async def test_request_is_answered_by_the_test_broker(pkg: ModuleType, name: str) -> None:
    # As FastStream 0.5's TestKafkaBroker does (issue #15).
    broker = pkg.KafkaBroker()

    @broker.subscriber(name)
    async def double(x: int) -> int:
        return 2 * x

    async with pkg.TestKafkaBroker(broker) as br:
        reply = await br.request(21, name, timeout=1.0)
        assert reply.decoded() == 42


async def test_publish_before_connect_is_a_clear_error(pkg: ModuleType, name: str) -> None:
    broker = pkg.KafkaBroker("127.0.0.1:9")
    with pytest.raises(NotConnectedError, match="not connected"):
        await broker.publish("x", name)


def test_subscriber_needs_exactly_one_source(pkg: ModuleType) -> None:
    broker = pkg.KafkaBroker()
    with pytest.raises(TypeError):
        broker.subscriber()
    with pytest.raises(TypeError):
        broker.subscriber("a", pattern="b.*")


async def test_nested_routers_share_one_broker(pkg: ModuleType, name: str) -> None:
    core = pkg.fastapi.KafkaRouter()
    nested = pkg.fastapi.KafkaRouter()

    @core.subscriber(f"{name}-core")
    async def handler(x: int) -> None: ...

    @nested.subscriber(f"{name}-nested")
    async def nested_handler(x: int) -> None: ...

    core.include_router(nested)
    async with pkg.TestKafkaBroker(core.broker) as br:
        await br.publish(1, f"{name}-core")
        await nested.broker.publish(2, f"{name}-nested")

        handler.mock.assert_called_once_with(1)
        nested_handler.mock.assert_called_once_with(2)


async def test_handler_replies_to_the_reply_to_topic(pkg: ModuleType, name: str) -> None:
    broker = pkg.KafkaBroker()
    replies: list[tuple[int, str | None]] = []

    @broker.subscriber(name)
    async def double(x: int) -> int:
        return x * 2

    @broker.subscriber(f"{name}-replies")
    async def collect(x: int, msg: Msg) -> None:
        replies.append((x, msg.correlation_id))

    async with pkg.TestKafkaBroker(broker) as br:
        await br.publish(21, name, reply_to=f"{name}-replies", correlation_id="c-1")

    assert replies == [(42, "c-1")]


async def test_one_subscriber_for_several_topics(pkg: ModuleType, name: str) -> None:
    broker = pkg.KafkaBroker()
    got: list[tuple[str, int]] = []

    @broker.subscriber(f"{name}-a", f"{name}-b")
    async def handler(x: int, msg: Msg) -> None:
        got.append((msg.topic, x))

    async with pkg.TestKafkaBroker(broker) as br:
        await br.publish(1, f"{name}-a")
        await br.publish(2, f"{name}-b")
        with pytest.raises(PublishError, match="nothing subscribes"):
            await br.publish(3, f"{name}-c")

    assert got == [(f"{name}-a", 1), (f"{name}-b", 2)]


def test_record_headers_decode_case_insensitively_and_safely() -> None:
    from faststream_fastapi._kafka.message import KafkaMessage, decode_headers

    raw = [("Content-Type", b"text/plain"), ("X-Bin", b"\xff\xfe"), ("X-Null", None)]
    msg = KafkaMessage(b"hi", decode_headers(raw), topic="t", offset=3, lowered=True)
    assert msg.content_type == "text/plain"
    assert msg.headers["x-bin"] == "\ufffd\ufffd"  # undecodable bytes replaced
    assert msg.headers["X-NULL"] == ""
    assert msg.message_id == "t:0:3"
    assert msg.decoded() == "hi"


async def _memory_scenario(pkg: ModuleType, name: str, max_workers: int) -> dict[str, Any]:
    broker = pkg.KafkaBroker()
    dead = broker.publisher(f"{name}-dead")
    handled: list[tuple[int, int, str]] = []
    dead_letters: list[tuple[str, str | None]] = []
    attempts: dict[str, int] = {}

    @broker.subscriber(name, max_retries=1, dead_letter=dead, max_workers=max_workers)
    async def handler(body: str, msg: Msg) -> None:
        attempts[body] = attempts.get(body, 0) + 1
        if body.startswith("poison") or (body.startswith("flaky") and attempts[body] == 1):
            raise RuntimeError(body)
        handled.append((msg.partition, msg.offset, body))

    @broker.subscriber(name, batch=True, max_workers=max_workers)
    async def batches(body: list[str]) -> None: ...

    @broker.subscriber(f"{name}-dead")
    async def inspect(body: str, msg: Msg) -> None:
        dead_letters.append((body, msg.headers.get("x-retries")))

    async with pkg.TestKafkaBroker(broker, partitions=4) as br:
        for p in range(4):
            for kind in ("ok", "flaky", "poison"):
                await br.publish(f"{kind}-{p}", name, key=f"k{p}")
        await br.publish_batch("x", "y", topic=name, partition=2)
        sub = br.subscribers[0]
        counts = (sub.retried, sub.dead_lettered, handler.mock.call_count)
        batch_calls = [c.args for c in batches.mock.call_args_list]
    return {
        "handled": handled,
        "attempts": attempts,
        "dead letters": dead_letters,
        "counts": counts,
        "batches": batch_calls,
    }


async def test_max_workers_does_not_change_the_test_broker(pkg: ModuleType, name: str) -> None:
    """In memory, a handler runs inside ``publish``: ``max_workers`` changes nothing."""
    one = await _memory_scenario(pkg, name, 1)
    eight = await _memory_scenario(pkg, name, 8)
    assert one == eight
    assert one["counts"] == (8, 4, 12 + 8 + 2)  # originals, retried copies, the batch


def test_max_workers_below_one_is_refused(pkg: ModuleType) -> None:
    from faststream_fastapi.core.errors import SetupError

    with pytest.raises(SetupError, match="max_workers"):
        pkg.KafkaBroker().subscriber("t", max_workers=0)


async def test_pattern_with_path_parts(pkg: ModuleType, name: str) -> None:
    """FastStream 0.5's ``pattern="in.{name}.{id}"``: the parts are ``Path()`` values."""
    broker = pkg.KafkaBroker()
    seen: list[tuple[str, int]] = []

    @broker.subscriber(pattern=name + ".{who}.{id}")
    async def handle(who: str = Path(), id_: int = Path("id")) -> int:
        seen.append((who, id_))
        return id_ + 1

    async with pkg.TestKafkaBroker(broker) as br:
        assert await br.publish("", f"{name}.john.1", rpc=True, rpc_timeout=1.0) == 2
        await br.publish("", f"{name}.ann.7")
    assert seen == [("john", 1), ("ann", 7)]

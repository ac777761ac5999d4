"""Subscribers and test brokers behave as FastStream 0.5's do (issue #15, sections 3 and 4).

In memory, for every broker: these are about the plugin and the test brokers.
The real-broker counterparts are in ``test_migration_real.py``.
"""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from pydantic import BaseModel

from faststream_fastapi import context
from kits import Kit, kit_fixture

kit = kit_fixture()


class Model(BaseModel):
    r: str


@dataclass
class Data:
    r: str


async def test_an_empty_body_reaches_an_unannotated_parameter(kit: Kit, name: str) -> None:
    broker = kit.Broker()
    got: list[Any] = []

    @broker.subscriber(name)
    async def handle(m):  # type: ignore[no-untyped-def]
        got.append(m)
        return "answer"

    async with kit.Test(broker) as br:
        await br.publish("", name)
        await br.publish(None, name)
        if kit.pkg.__name__.endswith(("nats", "rabbit", "redis")):
            reply = await br.request(None, name, timeout=1.0)
            assert reply.decoded() == "answer"
    assert got[:2] == ["", b""]


async def test_await_message_decode_as_in_0_5(kit: Kit, name: str) -> None:
    broker = kit.Broker()
    got: list[Any] = []

    async def handle(body, message):  # type: ignore[no-untyped-def]
        got.append((await message.decode(), message.decoded()))
        return body["n"] + 1

    kind = next(
        k for k in ("Kafka", "Nats", "Rabbit", "Redis") if hasattr(kit.fastapi, f"{k}Message")
    )
    handle.__annotations__.update(
        body=dict[str, int], message=getattr(kit.fastapi, f"{kind}Message")
    )
    broker.subscriber(name)(handle)

    async with kit.Test(broker) as br:
        await br.publish({"n": 1}, name)
        if kit.pkg.__name__.endswith(("nats", "rabbit", "redis")):
            reply = await br.request({"n": 2}, name, timeout=1.0)
            assert (await reply.decode(), reply.decoded()) == (3, 3)
    assert got[0] == ({"n": 1}, {"n": 1})


async def test_json_bytes_reach_a_model_and_a_dataclass(kit: Kit, name: str) -> None:
    broker = kit.Broker()
    got: list[Any] = []

    @broker.subscriber(f"{name}-m")
    async def model(m: Model) -> None:
        got.append(m)

    @broker.subscriber(f"{name}-d")
    async def data(m: Data) -> None:
        got.append(m)

    async with kit.Test(broker) as br:
        await br.publish(Model(r="a").model_dump_json().encode(), f"{name}-m")
        await br.publish(b'{"r": "b"}', f"{name}-d")
    assert got == [Model(r="a"), Data(r="b")]


async def test_an_invalid_message_is_a_request_validation_error(kit: Kit, name: str) -> None:
    router = kit.StreamRouter()

    @router.subscriber(name)
    async def handle(x: int) -> None: ...

    async with kit.Test(router.broker) as br:
        with pytest.raises(RequestValidationError) as caught:
            await br.publish({"x": "not a number"}, name)
    assert caught.value.errors()[0]["loc"][0] == "body"


async def test_a_stream_router_includes_a_broker_level_router(kit: Kit, name: str) -> None:
    router = kit.StreamRouter()
    plain = kit.Router()
    got: list[Any] = []

    @plain.subscriber(name)
    async def handle(x: int) -> None:
        got.append(x)

    router.include_router(plain)
    app = FastAPI()
    app.include_router(router)
    async with kit.Test(router.broker) as br:
        await br.publish(7, name)
    assert got == [7]


async def test_subscribers_declared_inside_the_test_broker_receive(kit: Kit, name: str) -> None:
    broker = kit.Broker()
    got: list[Any] = []
    async with kit.Test(broker) as br:

        @broker.subscriber(name)
        async def late(x: int) -> None:
            got.append(x)

        router = kit.Router()

        @router.subscriber(f"{name}-r")
        async def included(x: int) -> None:
            got.append(-x)

        broker.include_router(router)
        await br.publish(1, name)
        await br.publish(2, f"{name}-r")
        late.mock.assert_called_once_with(1)
    assert got == [1, -2]


async def test_publishes_after_test_client_exit_are_delivered(kit: Kit, name: str) -> None:
    router = kit.StreamRouter()
    got: list[Any] = []

    @router.subscriber(name)
    async def handle(x: int) -> None:
        got.append(x)

    app = FastAPI()
    app.include_router(router)
    async with kit.Test(router.broker) as br:
        with TestClient(app):
            pass
        await br.publish(5, name)
        handle.mock.assert_called_once_with(5)
    assert got == [5]


async def test_publisher_mock_gets_the_published_body(kit: Kit, name: str) -> None:
    router = kit.StreamRouter()
    out = router.publisher(f"{name}-out")

    @out
    @router.subscriber(name)
    async def handle(x: int) -> list[int]:
        return [x, x + 1, x + 2]

    async with kit.Test(router.broker) as br:
        await br.publish(1, name)
        out.mock.assert_called_once_with([1, 2, 3])


async def test_request_with_timeout_zero_times_out_at_once(kit: Kit, name: str) -> None:
    broker = kit.Broker()

    @broker.subscriber(name)
    async def slow(x: int) -> int:
        await asyncio.sleep(5)
        return x

    async with kit.Test(broker) as br:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(TimeoutError):
            await br.request(1, name, timeout=0)
        assert loop.time() - started < 1.0


async def test_a_dict_body_feeds_dependency_parameters_by_key(kit: Kit, name: str) -> None:
    from fastapi import Depends

    router = kit.StreamRouter()
    seen: list[Any] = []

    def dep(a):  # type: ignore[no-untyped-def]
        seen.append(a)
        return a

    @router.subscriber(name)
    async def hello(a, w=Depends(dep)):  # type: ignore[no-untyped-def]
        seen.append(a)
        return w

    async with kit.Test(router.broker) as br:
        await br.publish({"a": "hi"}, name)
    assert seen == ["hi", "hi"]


async def test_handler_mock_records_an_empty_body_as_published(kit: Kit, name: str) -> None:
    broker = kit.Broker()

    @broker.subscriber(name)
    async def handle(body):  # type: ignore[no-untyped-def]
        return None

    async with kit.Test(broker) as br:
        await br.publish("", name)
        handle.mock.assert_called_once_with("")


async def test_context_initial_makes_a_value_kept_across_messages(kit: Kit, name: str) -> None:
    router = kit.StreamRouter()
    key = f"seen-{name}"

    @router.subscriber(name)
    async def handle(x: int, seen: set[int] = kit.fastapi.Context(key, initial=set)) -> int:
        seen.add(x)
        return len(seen)

    try:
        async with kit.Test(router.broker) as br:
            await br.publish(1, name)
            await br.publish(2, name)
        assert context.get(key) == {1, 2}
    finally:
        context.reset_global(key)


def test_the_fastapi_modules_export_what_faststream_05_does(kit: Kit) -> None:
    exports = set(kit.fastapi.__all__)
    assert {"Context", "ContextRepo", "Logger"} <= exports
    expected = {
        "faststream_fastapi.kafka": {"KafkaProducer"},
        "faststream_fastapi.confluent": {"KafkaProducer"},
        "faststream_fastapi.nats": {"Client", "JsClient", "NatsProducer", "NatsJsProducer"},
        "faststream_fastapi.rabbit": {"RabbitProducer"},
        "faststream_fastapi.redis": {"Redis"},
    }[kit.pkg.__name__]
    assert expected <= exports
    for name in exports:
        assert getattr(kit.fastapi, name) is not None


async def test_producer_and_context_annotations_resolve(kit: Kit, name: str) -> None:
    router = kit.StreamRouter()
    # Redis has no producer annotation; its ``Redis`` client is checked on the real server.
    producer = next((n for n in kit.fastapi.__all__ if n.endswith("Producer")), "RedisBroker")
    got: dict[str, Any] = {}
    Repo = kit.fastapi.ContextRepo
    Producer = getattr(kit.fastapi, producer)

    async def handle(x, repo, p):  # type: ignore[no-untyped-def]
        got.update(repo=repo, p=p)

    # The annotations are this kit's: given as a signature (annotations here are strings).
    handle.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("x", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=int),
            inspect.Parameter("repo", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Repo),
            inspect.Parameter("p", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Producer),
        ]
    )
    router.subscriber(name)(handle)

    async with kit.Test(router.broker) as br:
        await br.publish(1, name)
    assert got["repo"] is context
    assert got["p"] is router.broker


async def test_path_reads_the_subscription_part_or_else_the_body_key(name: str) -> None:
    from fastapi import Path

    kit = Kit("nats")
    broker = kit.Broker()
    got: list[Any] = []

    @broker.subscriber(f"{name}.plain")
    async def plain(user: str = Path()) -> None:
        got.append(user)

    @broker.subscriber(name + ".users.{user}")
    async def pattern(body: dict[str, Any], user: str = Path()) -> None:
        got.append((user, body))

    async with kit.Test(broker) as br:
        await br.publish({"user": "from-body"}, f"{name}.plain")
        await br.publish({"user": "from-body"}, f"{name}.users.from-subject")
    assert got == ["from-body", ("from-subject", {"user": "from-body"})]


async def test_nats_publish_to_a_stream_reaches_only_that_streams_subscribers(name: str) -> None:
    from faststream_fastapi.nats import JStream

    kit = Kit("nats")
    broker = kit.Broker()

    @broker.subscriber(name)
    async def core(msg: str) -> None: ...

    @broker.subscriber(name, stream=JStream(f"{name}-s"))
    async def in_stream(msg: str) -> None: ...

    async with kit.Test(broker) as br:
        await br.publish("hi", name, stream=JStream(f"{name}-s"))
        assert not core.mock.called
        in_stream.mock.assert_called_once_with("hi")
        await br.publish("all", name)
        core.mock.assert_called_once_with("all")


async def test_kafka_partition_subscribers_get_unplaced_records(name: str) -> None:
    for package in ("kafka", "confluent"):
        kit = Kit(package)
        broker = kit.Broker()

        @broker.subscriber(partitions=[kit.pkg.TopicPartition(name, 1)])
        async def one(msg: str) -> None: ...

        async with kit.Test(broker) as br:
            await br.publish("any", name)
            await br.publish("exact", name, partition=1)
            await br.publish("other", name, partition=2)
            assert [c.args[0] for c in one.mock.call_args_list] == ["any", "exact"]


class Out(BaseModel):
    name: str
    secret: str = "s"
    note: str | None = None


async def test_response_model_shapes_the_published_value(kit: Kit, name: str) -> None:
    router = kit.StreamRouter()
    out = router.publisher(f"{name}-out")

    @router.subscriber(
        name,
        response_model=Out,
        response_model_exclude={"secret"},
        response_model_exclude_none=True,
    )
    @out
    async def handle(x: str) -> dict[str, Any]:
        return {"name": x, "secret": "hidden", "extra": 1}

    async with kit.Test(router.broker) as br:
        await br.publish("n", name)
        out.mock.assert_called_once_with({"name": "n"})


def test_response_model_keywords_are_not_client_options(kit: Kit) -> None:
    router = kit.StreamRouter()

    def handle(x: int) -> Out:
        return Out(name=str(x))

    router.subscriber("t", response_model=Out, response_model_by_alias=False)(handle)


@pytest.mark.parametrize(
    ("pattern", "key", "matches"),
    [("#", "a.b", True), ("*", "a.b", False), ("#.b.*", "a.b.c", True), ("a.*.*", "a.b", False)],
)
def test_rabbit_apply_pattern_is_topic_matching(pattern: str, key: str, matches: bool) -> None:
    from faststream_fastapi.rabbit.testing import apply_pattern

    assert apply_pattern(pattern, key) is matches


async def test_publisher_mock_gets_a_tuple_or_dataclass_as_decoded(kit: Kit, name: str) -> None:
    broker = kit.Broker()
    out = broker.publisher(f"{name}-out")

    @out
    @broker.subscriber(name)
    async def handle(x: int) -> Any:
        return (1, 2, 3) if x == 1 else Data(r="d")

    async with kit.Test(broker) as br:
        await br.publish(1, name)
        await br.publish(2, name)
        assert [c.args[0] for c in out.mock.call_args_list] == [[1, 2, 3], {"r": "d"}]

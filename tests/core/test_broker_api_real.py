"""FastStream 0.5's broker API (``filter=``, control exceptions, ``BaseMiddleware``,
``rpc=True``, ``<B>Response``, ``TopicPartition(offset=)``) against the real servers."""

import asyncio
from typing import Any

import pytest

from faststream_fastapi import AckPolicy, BaseMiddleware, StreamMessage
from faststream_fastapi.exceptions import NackMessage, RejectMessage
from faststream_fastapi.kafka import KafkaBroker, TopicPartition
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.rabbit import RabbitBroker, RabbitQueue
from faststream_fastapi.redis import RedisBroker, RedisResponse
from support import collect


@pytest.mark.rabbit
async def test_rabbit_filter_and_control_exceptions(name: str) -> None:
    got: asyncio.Queue[Any] = asyncio.Queue()
    broker = RabbitBroker("amqp://guest:guest@127.0.0.1:5672/")
    queue = RabbitQueue(name, auto_delete=True)

    @broker.subscriber(queue, filter=lambda m: m.headers.get("kind") == "nack")
    async def nack_once(body: str, message: StreamMessage) -> None:
        redelivered = bool(message.raw.redelivered)
        await got.put(("nack", body, redelivered))
        if not redelivered:
            raise NackMessage  # back to the queue, whatever the ack policy

    @broker.subscriber(queue, ack_policy=AckPolicy.NACK_ON_ERROR)
    async def reject(body: str) -> None:
        await got.put(("reject", body, None))
        raise RejectMessage  # not redelivered, though the policy would nack an error

    async with broker:
        await broker.start()
        await broker.publish("a", queue, headers={"kind": "nack"})
        await broker.publish("b", queue)
        assert sorted(await collect(3, got)) == [
            ("nack", "a", False),
            ("nack", "a", True),
            ("reject", "b", None),
        ]
        await asyncio.sleep(0.2)
        assert got.empty()


@pytest.mark.nats
async def test_nats_rpc_publish_and_publisher_request(name: str) -> None:
    broker = NatsBroker("nats://127.0.0.1:4222")
    out = broker.publisher(name)

    @broker.subscriber(name, filter=lambda m: m.content_type == "text/plain")
    async def text(body: str) -> str:
        return body.upper()

    @broker.subscriber(name)
    async def other(body: dict[str, int]) -> int:
        return body["n"] + 1

    async with broker:
        await broker.start()
        assert await broker.publish("hi", name, rpc=True, rpc_timeout=3) == "HI"
        assert (await out.request({"n": 1}, timeout=3)).decoded() == 2
        silent = name + ".none"
        assert await broker.publish("x", silent, rpc=True, rpc_timeout=0.2) is None


@pytest.mark.redis
async def test_redis_base_middleware_and_response_headers(name: str) -> None:
    seen: list[str] = []

    class Tag(BaseMiddleware):
        async def on_consume(self, msg: StreamMessage) -> StreamMessage:
            seen.append("consume")
            return msg

        async def on_publish(self, msg: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append(f"publish:{kwargs['destination']}")
            return msg

    broker = RedisBroker("redis://127.0.0.1:6379", middlewares=[Tag])

    @broker.subscriber(name)
    async def handle(body: str) -> RedisResponse:
        return RedisResponse(body[::-1], headers={"x-how": "reversed"}, correlation_id="c-1")

    async with broker:
        await broker.start()
        reply = await broker.request("abc", name, timeout=5)
    assert reply.decoded() == "cba"
    assert reply.headers["x-how"] == "reversed"
    assert seen[:2] == [f"publish:{name}", "consume"]


@pytest.mark.kafka
async def test_kafka_partition_start_offset_and_decoder(name: str) -> None:
    got: asyncio.Queue[Any] = asyncio.Queue()
    broker = KafkaBroker("127.0.0.1:9092")
    async with broker:
        for i in range(3):  # before the subscriber exists
            await broker.publish(i, name, partition=0)

    reader = KafkaBroker("127.0.0.1:9092")

    @reader.subscriber(
        partitions=[TopicPartition(name, 0, offset=1)], decoder=lambda m: int(m.body) * 10
    )
    async def handle(n: int) -> None:
        await got.put(n)

    async with reader:
        await reader.start()
        assert await collect(2, got, timeout=15) == [10, 20]


@pytest.mark.nats
async def test_a_list_body_fills_the_parameters_in_order_on_the_real_broker(name: str) -> None:
    broker = NatsBroker("nats://127.0.0.1:4222")
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(name)
    async def handle(a: int, b: str, c: float = 0.5) -> None:
        await got.put((a, b, c))

    async with broker:
        await broker.start()
        await broker.publish([1, "x"], name)
        await broker.publish([2, "y", 1.5], name)
        assert await collect(2, got) == [(1, "x", 0.5), (2, "y", 1.5)]


@pytest.mark.redis
async def test_star_args_take_a_list_body_s_extra_items_on_the_real_broker(name: str) -> None:
    broker = RedisBroker("redis://127.0.0.1:6379")
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(list=name)
    async def handle(a: int, *rest: int) -> None:
        await got.put((a, rest))

    async with broker:
        await broker.start()
        await broker.publish([1, "2", 3], list=name)
        await broker.publish([4], list=name)
        assert await collect(2, got) == [(1, (2, 3)), (4, ())]


@pytest.mark.parametrize(
    ("make", "wrong", "right", "form"),
    [
        pytest.param(RedisBroker, "redis://127.0.0.1:1", "redis://127.0.0.1:6379", "arg",
                     marks=pytest.mark.redis, id="redis"),
        pytest.param(NatsBroker, "nats://127.0.0.1:1", "nats://127.0.0.1:4222", "servers",
                     marks=pytest.mark.nats, id="nats"),
        pytest.param(RabbitBroker, "amqp://guest:guest@127.0.0.1:1/",
                     "amqp://guest:guest@127.0.0.1:5672/", "url",
                     marks=pytest.mark.rabbit, id="rabbit"),
    ],
)  # fmt: skip
async def test_connect_takes_the_address_as_in_0_5(
    make: Any, wrong: str, right: str, form: str, name: str
) -> None:
    broker = make(wrong)
    got: asyncio.Queue[Any] = asyncio.Queue()

    @broker.subscriber(name)
    async def handle(body: str) -> None:
        await got.put(body)

    await (broker.connect(right) if form == "arg" else broker.connect(**{form: right}))
    try:
        await broker.start()
        await broker.publish("hi", name)
        assert await asyncio.wait_for(got.get(), 10) == "hi"
    finally:
        await broker.close()

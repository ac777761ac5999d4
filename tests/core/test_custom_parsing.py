"""``parser=``/``decoder=`` on brokers and routers, and decoders returning any value."""

from typing import Any

from fastapi import Depends
from pydantic import BaseModel

from faststream_fastapi import StreamMessage
from faststream_fastapi.nats import NatsBroker, NatsRouter, TestNatsBroker
from faststream_fastapi.rabbit import RabbitBroker, TestRabbitBroker
from faststream_fastapi.rabbit.fastapi import RabbitRouter as RabbitStreamRouter
from faststream_fastapi.redis import RedisBroker, RedisRouter, TestRedisBroker


async def test_broker_parser_and_decoder_reach_every_subscriber(name: str) -> None:
    calls: list[str] = []
    seen: list[Any] = []

    async def parser(raw: Any, original: Any) -> StreamMessage:
        calls.append("parser")
        message: StreamMessage = await original(raw)
        return message

    def decoder(message: StreamMessage, original: Any) -> Any:
        calls.append("decoder")
        return {"wrapped": message.body.decode()}

    broker = RedisBroker(parser=parser, decoder=decoder)
    router = RedisRouter()

    @broker.subscriber(name)
    async def on_broker(body: dict[str, str]) -> None:
        seen.append(body)

    @router.subscriber(name + "r")
    async def on_router(body: dict[str, str]) -> None:
        seen.append(body)

    broker.include_router(router)  # a router's subscribers take the broker's too
    async with TestRedisBroker(broker) as br:
        await br.publish("a", name)
        await br.publish("b", name + "r")
    assert seen == [{"wrapped": "a"}, {"wrapped": "b"}]
    assert calls == ["parser", "decoder"] * 2


async def test_the_nearest_parser_wins(name: str) -> None:
    used: list[str] = []

    def tagging(tag: str) -> Any:
        async def parser(raw: Any, original: Any) -> StreamMessage:
            used.append(tag)
            message: StreamMessage = await original(raw)
            return message

        return parser

    broker = NatsBroker(parser=tagging("broker"))
    router = NatsRouter(parser=tagging("router"))

    @router.subscriber(name + ".router")
    async def by_router(body: str) -> None: ...

    @router.subscriber(name + ".own", parser=tagging("own"))
    async def by_own(body: str) -> None: ...

    @broker.subscriber(name + ".broker")
    async def by_broker(body: str) -> None: ...

    broker.include_router(router)
    async with TestNatsBroker(broker) as br:
        for suffix in ("router", "own", "broker"):
            await br.publish("x", f"{name}.{suffix}")
    assert used == ["router", "own", "broker"]


async def test_a_decoder_may_return_any_value(name: str) -> None:
    seen: list[Any] = []

    class Point(BaseModel):
        x: int
        y: int

    broker = RedisBroker()

    @broker.subscriber(name + "1", decoder=lambda m: m)  # 0.5 code returns the message
    async def untyped(m):  # type: ignore[no-untyped-def]
        seen.append(type(m).__name__)

    @broker.subscriber(name + "2", decoder=lambda m: {"x": 1, "y": int(m.body)})
    async def model(p: Point, message: StreamMessage) -> None:
        seen.append(p)
        seen.append(message.body)  # the body stays as it came

    def two_keys(m: StreamMessage) -> dict[str, int]:
        return {"a": 1, "b": 2}

    @broker.subscriber(name + "3", decoder=two_keys)
    async def keyed(a: int, b: int, total: int = Depends(lambda a, b: a + b)) -> None:
        seen.append((a, b, total))

    async with TestRedisBroker(broker) as br:
        await br.publish(b"raw", name + "1")
        await br.publish(b"5", name + "2")
        await br.publish("ignored", name + "3")
    assert seen == ["StreamMessage", Point(x=1, y=5), b"5", (1, 2, 3)]


async def test_a_decoded_value_failing_validation_fails_the_message(name: str) -> None:
    broker = RabbitBroker()

    @broker.subscriber(name, decoder=lambda m: "not a number")
    async def handle(n: int) -> None: ...

    async with TestRabbitBroker(broker) as br:
        try:
            await br.publish("1", name)
        except Exception as exc:  # the test broker raises the handler's failure
            assert "int" in str(exc)
        else:
            raise AssertionError("validation did not fail")


async def test_fastapi_router_parser_and_decoder_go_to_its_broker(name: str) -> None:
    seen: list[Any] = []
    router = RabbitStreamRouter(decoder=lambda m: m.body.decode().upper())

    @router.subscriber(name)
    async def handle(body: str) -> None:
        seen.append(body)

    async with TestRabbitBroker(router.broker) as br:
        await br.publish("shout", name)
    assert seen == ["SHOUT"]

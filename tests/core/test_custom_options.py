"""FastStream 0.5's ``parser=``, ``decoder=``, ``no_ack=`` and ``retry=`` subscriber keywords."""

from typing import Any

import pytest

from faststream_fastapi import AckPolicy, StreamMessage
from faststream_fastapi.core import SetupError
from faststream_fastapi.kafka import KafkaBroker, TestKafkaBroker
from faststream_fastapi.redis import RedisBroker, TestRedisBroker


async def test_parser_wraps_the_default(name: str) -> None:
    seen: list[Any] = []

    async def parser(raw: Any, original: Any) -> StreamMessage:
        message: StreamMessage = await original(raw)
        message.message_id = "from-parser"
        return message

    broker = RedisBroker()

    @broker.subscriber(name, parser=parser)
    async def handle(body: str, message: StreamMessage) -> None:
        seen.append((body, message.message_id))

    async with TestRedisBroker(broker) as br:
        await br.publish("hi", name)
    assert seen == [("hi", "from-parser")]


async def test_decoder_sync_or_async_with_or_without_the_default(name: str) -> None:
    seen: list[Any] = []

    def plain(message: StreamMessage) -> Any:
        return {"n": int(message.body) + 1}

    async def wrapping(message: StreamMessage, original: Any) -> Any:
        value = await original(message)
        return {"n": value["n"] * 10}

    broker = RedisBroker()

    @broker.subscriber(name, decoder=plain)
    async def one(body: dict[str, int]) -> None:
        seen.append(body)

    @broker.subscriber(name + "2", decoder=wrapping)
    async def two(body: dict[str, int], message: StreamMessage) -> None:
        seen.append(body)
        seen.append(message.decoded())

    async with TestRedisBroker(broker) as br:
        await br.publish(b"41", name)
        await br.publish({"n": 2}, name + "2")
    assert seen == [{"n": 42}, {"n": 20}, {"n": 20}]


async def test_parser_and_decoder_on_kafka(name: str) -> None:
    seen: list[Any] = []
    broker = KafkaBroker()

    @broker.subscriber(name, decoder=lambda m: m.body.decode().upper())
    async def handle(body: str) -> None:
        seen.append(body)

    async with TestKafkaBroker(broker) as br:
        await br.publish("abc", name)
    assert seen == ["ABC"]


async def test_a_parser_must_return_a_message(name: str) -> None:
    broker = RedisBroker()

    @broker.subscriber(name, parser=lambda raw: "nope")
    async def handle(body: str) -> None: ...

    async with TestRedisBroker(broker) as br:
        with pytest.raises(SetupError, match="not a StreamMessage"):
            await br.publish("x", name)


@pytest.mark.parametrize(
    ("options", "policy", "retries"),
    [
        ({"no_ack": True}, AckPolicy.ACK_FIRST, None),
        ({"retry": True}, AckPolicy.NACK_ON_ERROR, None),
        ({"retry": 3}, None, 3),
        ({"retry": False}, None, None),
        ({"no_ack": True, "retry": 1}, AckPolicy.ACK_FIRST, None),  # as 0.5: no_ack wins
    ],
    ids=["no_ack", "retry-true", "retry-3", "retry-false", "no_ack-retry"],
)
def test_no_ack_and_retry_spell_our_options(
    name: str, options: dict[str, Any], policy: AckPolicy | None, retries: int | None
) -> None:
    broker = RedisBroker()

    @broker.subscriber(name, **options)
    async def handle(body: str) -> None: ...

    sub = broker.subscribers[0]
    assert sub.ack_policy == (policy or broker.default_ack_policy)
    assert sub.max_retries == retries


@pytest.mark.parametrize(
    "options",
    [
        {"no_ack": True, "ack_policy": AckPolicy.ACK},
        {"retry": True, "ack_policy": AckPolicy.ACK},
        {"retry": 2, "max_retries": 3},
        {"retry": -1},
    ],
)
def test_conflicting_settlement_options_fail_at_registration(
    name: str, options: dict[str, Any]
) -> None:
    with pytest.raises(SetupError):
        RedisBroker().subscriber(name, **options)


async def test_retry_count_redelivers_then_gives_up(name: str) -> None:
    tries: list[int] = []
    broker = RedisBroker()

    @broker.subscriber(name, retry=2)
    async def handle(body: str) -> None:
        tries.append(1)
        raise ValueError("again")

    async with TestRedisBroker(broker) as br:
        with pytest.raises(ValueError, match="again"):  # the last try's, under a test broker
            await br.publish("x", name)
    assert len(tries) == 3


def test_faststream_05_broker_keywords_are_accepted() -> None:
    with pytest.warns(UserWarning, match=r"apply_types=False\) has no effect"):
        RedisBroker(apply_types=False, validate=True)
    KafkaBroker(apply_types=True)


def test_topic_partition_takes_a_start_offset() -> None:
    from faststream_fastapi.kafka import TopicPartition

    tp = TopicPartition("t", 0, offset=5)
    assert tp.offset == 5
    broker = KafkaBroker()

    @broker.subscriber(partitions=[tp])
    async def handle(body: str) -> None: ...

    assert broker.subscribers[0].spec.matches("t", 0)


async def test_an_unannotated_parameter_gets_an_empty_body_as_sent(name: str) -> None:
    broker = RedisBroker()

    @broker.subscriber(name)
    async def handle(msg):  # type: ignore[no-untyped-def]  # 0.5 code often reads so
        return repr(msg)

    async with TestRedisBroker(broker) as br:
        # As in 0.5: None is published as an empty body without a content type.
        assert (await br.request(None, name)).decoded() == "b''"
        assert (await br.request("", name)).decoded() == "''"
        assert (await br.request(b"", name)).decoded() == "b''"


async def test_raw_message_is_the_raw_one(name: str) -> None:
    seen: list[Any] = []
    broker = RedisBroker()

    @broker.subscriber(name)
    async def handle(body: str, message: StreamMessage) -> None:
        seen.append(message.raw_message is message.raw)

    async with TestRedisBroker(broker) as br:
        await br.publish("x", name)
    assert seen == [True]

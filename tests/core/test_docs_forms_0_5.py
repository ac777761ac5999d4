"""Forms FastStream 0.5's getting-started docs teach, in memory on every broker.

``name: str = Field(...)`` parameters; ``handle.mock`` existing only inside a test
broker's block; an invalid message raising a pydantic ``ValidationError``; a custom
parser setting ``message_id`` on a Kafka message. The real-broker counterparts are
in ``test_docs_forms_0_5_real.py``.
"""

from __future__ import annotations

from typing import Annotated, Any

import pydantic
import pytest
from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, NonNegativeInt

from faststream_fastapi.asyncapi import get_app_schema
from faststream_fastapi.core.errors import (
    PYDANTIC_SUBCLASS,
    MessageDecodeError,
    MessageValidationError,
)
from kits import Kit, kit_fixture

#: pydantic's ``ValidationError``, which the message errors also are where pydantic lets
#: it be subclassed (2.10 and later); before, the package's own.
INVALID: type[Exception] = pydantic.ValidationError if PYDANTIC_SUBCLASS else MessageValidationError


kit = kit_fixture()


class User(BaseModel):
    name: str


def _field_handler(got: list[Any]) -> Any:
    async def handle(
        name: str = Field(..., examples=["John"], description="Registered user name"),
        user_id: NonNegativeInt = Field(5, examples=[1], description="Registered user id"),
        tags: list[str] = Field(default_factory=list),
    ) -> None:
        got.append((name, user_id, tags))

    return handle


async def test_field_defaults_are_parameters_on_a_broker(kit: Kit, name: str) -> None:
    broker = kit.Broker()
    got: list[Any] = []
    broker.subscriber(name)(_field_handler(got))

    async with kit.Test(broker) as br:
        await br.publish({"name": "John", "user_id": 1}, name)
        await br.publish({"name": "Ann"}, name)
        await br.publish(["Bob", 2, ["a"]], name)  # a list fills them in order
        with pytest.raises(INVALID):
            await br.publish({"name": "John", "user_id": -1}, name)
        with pytest.raises(INVALID):
            await br.publish({"user_id": 1}, name)
    assert got == [("John", 1, []), ("Ann", 5, []), ("Bob", 2, ["a"])]


async def test_field_defaults_are_parameters_on_a_stream_router(kit: Kit, name: str) -> None:
    router = kit.StreamRouter()
    got: list[Any] = []
    router.subscriber(name)(_field_handler(got))

    async with kit.Test(router.broker) as br:
        await br.publish({"name": "John"}, name)
        with pytest.raises(RequestValidationError):
            await br.publish({"name": "John", "user_id": -1}, name)
    assert got == [("John", 5, [])]


def test_field_defaults_describe_the_payload(kit: Kit, name: str) -> None:
    broker = kit.Broker()
    broker.subscriber(name)(_field_handler([]))

    schemas = get_app_schema(broker, "3.0.0").to_jsonable()["components"]["schemas"]
    [payload] = schemas.values()
    props = payload["properties"]
    assert props["name"]["description"] == "Registered user name"
    assert props["name"]["examples"] == ["John"]
    assert props["user_id"]["default"] == 5
    assert props["user_id"]["minimum"] == 0
    assert payload["required"] == ["name"]


async def test_fastapi_parameters_as_defaults_stay_theirs(kit: Kit, name: str) -> None:
    from fastapi import Header

    broker = kit.Broker()
    got: list[Any] = []

    @broker.subscriber(name)
    async def handle(x: int = Field(0), trace: str = Header("none")) -> None:
        got.append((x, trace))

    async with kit.Test(broker) as br:
        await br.publish(1, name, headers={"trace": "head"})  # one body parameter: the body
        await br.publish(2, name)
    assert got == [(1, "head"), (2, "none")]


async def test_mock_exists_only_inside_the_test_broker_block(kit: Kit, name: str) -> None:
    broker = kit.Broker()
    publisher = broker.publisher(f"{name}-out")

    @publisher
    @broker.subscriber(name)
    async def handle(msg: str) -> str:
        return msg

    assert handle.mock is None
    assert publisher.mock is None
    async with kit.Test(broker) as br:
        assert handle.mock is not None
        handle.mock.assert_not_called()
        await br.publish("hi", name)
        handle.mock.assert_called_once_with("hi")
        assert publisher.mock is not None
        publisher.mock.assert_called_once_with("hi")
    assert handle.mock is None
    assert publisher.mock is None
    async with kit.Test(broker) as br:  # a new block starts afresh
        assert handle.mock is not None
        handle.mock.assert_not_called()


async def test_text_for_a_model_is_a_pydantic_validation_error(kit: Kit, name: str) -> None:
    broker = kit.Broker()

    @broker.subscriber(name)
    async def handle(user: User) -> None: ...

    async with kit.Test(broker) as br:
        with pytest.raises(INVALID) as caught:
            await br.publish("wrong message", name)
        assert handle.mock is not None
        handle.mock.assert_called_once_with("wrong message")
    exc = caught.value
    # Also what it was before: a decoding error, and FastAPI's validation error.
    assert isinstance(exc, MessageDecodeError)
    assert isinstance(exc, RequestValidationError)
    assert "body is not valid JSON" in str(exc)
    assert exc.errors()[0]["loc"] == ("body",)
    assert "wrong message" not in str(exc) + repr(exc) + str(exc.errors())


async def test_an_invalid_field_is_a_pydantic_validation_error(kit: Kit, name: str) -> None:
    broker = kit.Broker()

    @broker.subscriber(name)
    async def handle(user: User) -> None: ...

    async with kit.Test(broker) as br:
        with pytest.raises(INVALID) as caught:
            await br.publish({"name": ["s3cret"]}, name)
    exc = caught.value
    assert isinstance(exc, RequestValidationError)
    assert exc.error_count() == 1
    assert exc.errors()[0]["loc"] == ("body", "name")
    assert "s3cret" not in str(exc) + repr(exc) + exc.json()


async def test_wait_call_raises_what_an_invalid_message_raised(kit: Kit, name: str) -> None:
    broker = kit.Broker()

    @broker.subscriber(name)
    async def handle(user: User) -> None: ...

    async with kit.Test(broker) as br:
        with pytest.raises(INVALID):
            await br.publish("wrong message", name)
        with pytest.raises(INVALID):
            await handle.wait_call(1)
        await br.publish({"name": "ok"}, name)
        await handle.wait_call(1)  # the last call succeeded


@pytest.mark.parametrize("package", ["kafka", "confluent"])
async def test_a_custom_parser_sets_the_kafka_message_id(package: str, name: str) -> None:
    kit = Kit(package)
    seen: list[Any] = []

    async def parser(raw: Any, original: Any) -> Any:
        message = await original(raw)
        seen.append(message.message_id)  # topic:partition:offset
        message.message_id = message.headers.get("custom_message_id")
        return message

    broker = kit.Broker(parser=parser)

    async def handle(message):  # type: ignore[no-untyped-def]
        seen.append((message.message_id, isinstance(message, kit.pkg.KafkaMessage)))

    handle.__annotations__["message"] = kit.pkg.KafkaMessage
    broker.subscriber(name)(handle)

    async with kit.Test(broker) as br:
        await br.publish("", name, headers={"custom_message_id": "1"})
    assert seen == [f"{name}:0:0", ("1", True)]


def _units(z: int = Field(7, ge=0)) -> int:
    return z * 10


def _total(a: int = Field(2, description="added"), units: int = Depends(_units)) -> int:
    return a + units


async def test_field_defaults_in_dependencies(kit: Kit, name: str) -> None:
    broker = kit.Broker()
    got: list[Any] = []

    @broker.subscriber(name)
    async def handle(x: int, y: str, total: Annotated[int, Depends(_total)]) -> None:
        got.append(total)

    async with kit.Test(broker) as br:
        await br.publish({"x": 1, "y": "a", "a": 5}, name)  # a dict body's keys feed them
        await br.publish({"x": 1, "y": "a"}, name)
        with pytest.raises(INVALID):
            await br.publish({"x": 1, "y": "a", "z": -1}, name)
    assert got == [75, 72]
    assert _total(1, 2) == 3  # the function itself is unchanged


async def test_a_field_default_dependency_is_overridden_by_the_app(kit: Kit, name: str) -> None:
    router = kit.StreamRouter()
    got: list[Any] = []

    @router.subscriber(name)
    async def handle(x: int, y: str, total: Annotated[int, Depends(_total)]) -> None:
        got.append(total)

    app = FastAPI()
    app.include_router(router)
    app.dependency_overrides[_total] = lambda: -1
    async with kit.Test(router.broker) as br:
        await br.publish({"x": 1, "y": "a"}, name)
    assert got == [-1]

"""Malformed and invalid messages: a clear log line, no payload, settled, next one handled."""

import logging
from typing import Any

import pytest
from pydantic import BaseModel

from faststream_fastapi import AckPolicy
from faststream_fastapi.core import (
    MessageDecodeError,
    MessageValidationError,
    Middleware,
    SetupError,
)
from faststream_fastapi.core.message import Envelope
from faststream_fastapi.redis import RedisBroker, TestRedisBroker


class Order(BaseModel):
    id: int
    secret: str


SECRET = "hunter2-do-not-log"


async def _deliver_raw(broker: RedisBroker, channel: str, body: bytes, ctype: str | None) -> Any:
    headers = {"content-type": ctype} if ctype else {}
    return await broker.transport.publish(Envelope(channel, body, headers))


@pytest.mark.parametrize(
    ("body", "ctype", "error"),
    [
        (b'{"id": 1, "secret": "' + SECRET.encode() + b'"', "application/json", MessageDecodeError),
        (
            b'{"id": "x", "secret": "' + SECRET.encode() + b'"}',
            "application/json",
            MessageValidationError,
        ),
        (b"", None, MessageValidationError),
        (SECRET.encode(), "application/x-unknown", MessageValidationError),
    ],
    ids=["malformed-json", "invalid", "empty", "unknown-content-type"],
)
async def test_bad_message_is_logged_without_payload_and_rejected(
    caplog: pytest.LogCaptureFixture, body: bytes, ctype: str | None, error: type[Exception]
) -> None:
    settled: list[Any] = []
    handled: list[Order] = []

    class Spy(Middleware):
        async def consume(self, message: Any, call_next: Any) -> Any:
            try:
                return await call_next(message)
            finally:
                settled.append(message)

    broker = RedisBroker(middlewares=[Spy()])

    @broker.subscriber("orders")
    async def handle(order: Order) -> None:
        handled.append(order)

    caplog.set_level(logging.ERROR, "faststream_fastapi")
    async with TestRedisBroker(broker) as br:
        with pytest.raises(error):
            await _deliver_raw(br, "orders", body, ctype)
        await br.publish(Order(id=2, secret="s"), "orders")
    assert handled == [Order(id=2, secret="s")]
    assert "orders" in caplog.text and "handle" in caplog.text
    assert SECRET not in caplog.text
    assert settled[0].settled == "reject"
    assert settled[1].settled == "ack"


async def test_validation_error_names_the_location() -> None:
    broker = RedisBroker()

    @broker.subscriber("orders")
    async def handle(order: Order) -> None: ...

    async with TestRedisBroker(broker) as br:
        with pytest.raises(MessageValidationError) as info:
            await br.publish({"id": "nope", "secret": SECRET}, "orders")
    assert info.value.errors[0]["loc"] == ("body", "id")
    assert SECRET not in str(info.value)


async def test_manual_policy_leaves_bad_messages_unsettled() -> None:
    seen: list[Any] = []

    class Spy(Middleware):
        async def consume(self, message: Any, call_next: Any) -> Any:
            seen.append(message)
            return await call_next(message)

    broker = RedisBroker(middlewares=[Spy()])

    @broker.subscriber("orders", ack_policy=AckPolicy.MANUAL)
    async def handle(order: Order) -> None: ...

    async with TestRedisBroker(broker) as br:
        with pytest.raises(MessageDecodeError):
            await _deliver_raw(br, "orders", b"{", "application/json")
    assert seen[0].settled is None


def test_impossible_signature_fails_at_registration_naming_handler_and_parameter() -> None:
    from fastapi import Cookie, WebSocket

    broker = RedisBroker()
    with pytest.raises(SetupError, match=r"handle_ws.*'ws'"):

        @broker.subscriber("x")
        async def handle_ws(ws: WebSocket) -> None: ...

    with pytest.raises(SetupError, match=r"handle_cookie.*'session'"):

        @broker.subscriber("x")
        async def handle_cookie(session: str = Cookie()) -> None: ...

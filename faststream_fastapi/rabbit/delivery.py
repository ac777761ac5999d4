"""RabbitMQ deliveries as messages, and how they are settled."""

from __future__ import annotations

import contextlib
from typing import Any, cast

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from aio_pika.exceptions import AMQPError, ChannelInvalidStateError
from aiormq.abc import DeliveredMessage

from ..core.message import Settlement, Settler, StreamMessage

#: What a settle on a channel lost meanwhile raises; RabbitMQ redelivers anyway.
GONE = (AMQPError, ChannelInvalidStateError, ConnectionError)


class _Settler(Settler[StreamMessage]):
    """ack, nack (requeue) and reject (drop or dead-letter) on the delivery's channel,
    or through ``incoming`` once the handler has seen it (``message.raw``): that one
    settles only once, whoever asks."""

    __slots__ = ("_channel", "_tag", "incoming")

    def __init__(self, delivered: DeliveredMessage) -> None:
        self._channel = delivered.channel
        self._tag = cast(int, delivered.delivery_tag)  # every consumed delivery has one
        self.incoming: AbstractIncomingMessage | None = None

    @property
    def delivery_tag(self) -> int:
        """The delivery's number on its channel (read by the telemetry middleware)."""
        return self._tag

    async def settle(self, message: StreamMessage, settlement: Settlement) -> None:
        incoming = self.incoming
        with contextlib.suppress(*GONE):
            if settlement == "ack":
                if incoming is not None:
                    await incoming.ack()
                else:
                    await self._channel.basic_ack(self._tag)
            elif settlement == "nack":
                if incoming is not None:
                    await incoming.nack(requeue=True)
                else:
                    await self._channel.basic_nack(self._tag, requeue=True)
            elif incoming is not None:
                await incoming.reject(requeue=False)
            else:
                await self._channel.basic_reject(self._tag, requeue=False)


def _text(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


_RAW = StreamMessage.__dict__["raw"]  # the slot a ``_Delivery`` keeps its delivery in


class _Delivery(StreamMessage):
    """A consumed delivery; ``raw`` is aio-pika's ``IncomingMessage`` for it, made
    on first use (settled already if this message was)."""

    __slots__ = ()

    @property
    def raw(self) -> AbstractIncomingMessage:
        raw = _RAW.__get__(self, _Delivery)
        if isinstance(raw, DeliveredMessage):
            raw = aio_pika.IncomingMessage(raw, no_ack=self.settled is not None)
            _RAW.__set__(self, raw)
            if isinstance(self.settler, _Settler):
                self.settler.incoming = raw
        return cast(AbstractIncomingMessage, raw)

    @raw.setter
    def raw(self, value: Any) -> None:
        _RAW.__set__(self, value)


def message_of(
    cls: type[StreamMessage],
    body: bytes,
    props: Any,
    routing_key: str | None,
    raw: Any,
    settler: Settler[Any],
) -> StreamMessage:
    """``props``: AMQP properties, as aiormq's ``header.properties`` or aio-pika's message."""
    headers = props.headers
    return cls(
        body,
        {k: _text(v) for k, v in headers.items()} if headers else None,
        destination=routing_key or "",
        reply_to=props.reply_to,
        correlation_id=props.correlation_id,
        message_id=props.message_id,
        content_type=props.content_type,
        raw=raw,
        settler=settler,
    )


def to_message(delivered: DeliveredMessage) -> StreamMessage:
    """A delivery as a ``StreamMessage``; AMQP properties fill the metadata."""
    return message_of(
        _Delivery,
        delivered.body,
        delivered.header.properties,
        delivered.routing_key,
        delivered,
        _Settler(delivered),
    )

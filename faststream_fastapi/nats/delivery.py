"""What a NATS subscription receives: messages, how JetStream settles them, and
the client-side queue a subscription has."""

from __future__ import annotations

from typing import Any

from nats.aio.msg import Msg

from ..core.message import Settlement, Settler, StreamMessage
from .specs import MSG_ID, NatsSub

#: A core subscription's client-side queue; nats-py's own defaults (512k
#: messages, 128 MiB) let a slow handler under a burst hold 128 MiB. Past
#: either, nats-py drops the message (at-most-once) and reports a slow consumer.
CORE_PENDING_MSGS_LIMIT = 10_000
CORE_PENDING_BYTES_LIMIT = 16 * 1024 * 1024


class _JsSettler(Settler[StreamMessage]):
    """JetStream explicit acks on the delivery (``message.raw``): ack, ``nak``
    (redeliver now), ``term`` (never again). One serves every delivery."""

    __slots__ = ()

    async def settle(self, message: StreamMessage, settlement: Settlement) -> None:
        msg: Msg = message.raw
        if settlement == "ack":
            await msg.ack()
        elif settlement == "nack":
            await msg.nak()
        else:
            await msg.term()


_JS_SETTLER = _JsSettler()


def _stream_sequence(ack_subject: str) -> str | None:
    """The stream sequence from a JetStream ack subject, without nats-py's full parse.

    ``$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>...`` (9 tokens) or, with a
    domain and account hash, ``$JS.ACK.<domain>.<hash>.<stream>...`` (12+ tokens).
    """
    tokens = ack_subject.split(".")
    if len(tokens) == 9:
        return tokens[5]
    if len(tokens) >= 12:
        return tokens[7]
    return None


def to_message(msg: Msg, *, jetstream: bool) -> StreamMessage:
    headers = msg.headers or {}
    if not jetstream:
        # Core NATS: the native reply subject is where a reply goes.
        return StreamMessage(
            msg.data, headers, destination=msg.subject, reply_to=msg.reply or None, raw=msg
        )
    # JetStream: ``msg.reply`` is the ack subject; a reply address travels as a header.
    message_id = headers.get(MSG_ID) or _stream_sequence(msg.reply)
    return StreamMessage(
        msg.data,
        headers,
        destination=msg.subject,
        message_id=message_id,
        raw=msg,
        settler=_JS_SETTLER,
    )


def pending_limits(spec: NatsSub, msgs: int | None, size: int | None) -> dict[str, Any]:
    """``pending_msgs_limit`` / ``pending_bytes_limit`` for nats-py: the spec's, else these."""
    msgs = spec.pending_msgs_limit if spec.pending_msgs_limit is not None else msgs
    size = spec.pending_bytes_limit if spec.pending_bytes_limit is not None else size
    limits = {"pending_msgs_limit": msgs, "pending_bytes_limit": size}
    return {k: v for k, v in limits.items() if v is not None}

"""What a NATS subscription receives: messages, how JetStream settles them, and
the client-side queue a subscription has."""

from __future__ import annotations

import dataclasses
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig

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

    async def ack_sync(self, message: StreamMessage) -> None:
        # A request to the ack subject: the server answers once it has the ack.
        await message.raw.ack_sync()


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
        raw=msg,
        destination=msg.subject,
        message_id=message_id,
        settler=_JS_SETTLER,
    )


def pending_limits(spec: NatsSub, msgs: int | None, size: int | None) -> dict[str, Any]:
    """``pending_msgs_limit`` / ``pending_bytes_limit`` for nats-py: the spec's, else these."""
    msgs = spec.pending_msgs_limit if spec.pending_msgs_limit is not None else msgs
    size = spec.pending_bytes_limit if spec.pending_bytes_limit is not None else size
    limits = {"pending_msgs_limit": msgs, "pending_bytes_limit": size}
    return {k: v for k, v in limits.items() if v is not None}


def queue_consumer_config(client: Client, spec: NatsSub) -> ConsumerConfig | None:
    """The config a JetStream push subscription in a queue group creates its durable
    with: the spec's, with one deliver subject named after the stream and the group.

    nats-py would give each process a random inbox; replicas creating the durable at
    once then each listen on their own, the last create moves the consumer to its
    inbox, and the other replicas receive nothing for as long as they run. A subject
    every member derives alike leaves nothing to race for. An existing durable keeps
    its own (nats-py binds to it); a ``deliver_subject`` given in the config is kept.
    """
    config = dataclasses.replace(spec.config) if spec.config is not None else None
    if not spec.queue or spec.stream is None or (config and config.deliver_subject):
        return config
    prefix = client.new_inbox().rsplit(".", 1)[0]  # the client's inbox prefix
    subject = f"{prefix}.{spec.stream.name}.{spec.queue}"
    if config is None:
        return ConsumerConfig(deliver_subject=subject)
    config.deliver_subject = subject
    return config

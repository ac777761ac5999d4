"""Batch subscribers: several fetched messages handed to one handler call as a list.

A batch is one ``StreamMessage`` whose body is the JSON array of its items'
decoded bodies, so the pipeline (decoding, validation into ``list[Model]``,
middlewares, ack policy) runs once per batch. Its headers are the first
item's, ``batch`` holds the items and ``batch_headers`` their headers.
Settling it settles every item the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pydantic_core

from . import codec
from .headers import Headers
from .message import NO_SETTLER, Settlement, Settler, StreamMessage


def items_body(items: Iterable[StreamMessage]) -> tuple[bytes, str, list[Any] | None]:
    """The batch's body, its content type and, when an item is binary, its decoded value.

    The body is the items' bodies as one JSON array: JSON items are spliced in as
    they are (no decode and re-encode), others are decoded by their content type
    first. A malformed item makes the whole array malformed: the batch is then
    settled as one bad message. Bytes have no JSON form: a batch holding an item
    that decodes to bytes is ``codec.DECODED``, its value the list of the items'
    decoded bodies (``b"..."`` stays bytes, as for one message), and its body the
    array with those items as text, for logs and sizes.
    """
    parts: list[bytes] = []
    binary = False
    for m in items:
        if not m.body:
            parts.append(b"null")
        elif codec.is_json(m.content_type):
            parts.append(m.body)
        else:
            try:
                value = m.decoded()
            except codec.DecodeError:
                value = m.body.decode(errors="replace")
            if isinstance(value, bytes):
                binary = True
                value = value.decode(errors="replace")
            parts.append(pydantic_core.to_json(value))
    body = b"[" + b",".join(parts) + b"]"
    if not binary:
        return body, codec.JSON, None
    return body, codec.DECODED, [_decoded(m) for m in items]


def _decoded(item: StreamMessage) -> Any:
    if not item.body:
        return None
    try:
        return item.decoded()
    except codec.DecodeError:
        return item.body


class ItemsSettler(Settler[Any]):
    """Settles a batch by settling each of its items (their own settlers do the work)."""

    __slots__ = ()

    def settle_now(self, message: Any, settlement: Settlement) -> bool:
        return all([item.settle_now(settlement) for item in message.batch])

    async def settle(self, message: Any, settlement: Settlement) -> None:
        for item in message.batch:
            await item.settle(settlement)

    async def ack_first(self, message: Any) -> None:
        for item in message.batch:
            if item.settled is None:
                item.settled = "ack"
                await item.settler.ack_first(item)


ITEMS_SETTLER = ItemsSettler()


class BatchMessage(StreamMessage):
    """A batch as handlers see it (see the module); ``raw`` is the list of the
    items' raw deliveries."""

    __slots__ = ("batch",)

    batch: list[StreamMessage]

    @property
    def batch_headers(self) -> list[Headers]:
        return [m.headers for m in self.batch]


def batch_of(items: Sequence[StreamMessage]) -> BatchMessage:
    """One message for ``items`` (at least one); settled item by item, or not at
    all when the items have nothing to settle."""
    first = items[0]
    settler = NO_SETTLER if first.settler is NO_SETTLER else ITEMS_SETTLER
    body, content_type, value = items_body(items)
    msg = BatchMessage(
        body,
        first.headers._data,
        destination=first.destination,
        reply_to=first.reply_to,
        correlation_id=first.correlation_id,
        message_id=first.message_id,
        content_type=content_type,
        raw=[m.raw for m in items],
        settler=settler,
    )
    if value is not None:
        msg._decoded = value
    msg.batch = list(items)
    return msg

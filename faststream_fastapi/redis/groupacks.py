"""A Redis stream's reading position: a group's entries and their settler (``XACK``s
sent in batches), and where a reader without a group starts."""

from __future__ import annotations

import contextlib
import logging

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from ..core.message import Settlement, Settler, StreamMessage
from .specs import StreamSub

logger = logging.getLogger("faststream_fastapi.redis")


class GroupAcks(Settler["GroupMessage"]):
    """The settler of one group consumer's entries: ``XACK``s sent as one command
    per read batch.

    While a batch is handled (``collecting``), acks and rejects (both ``XACK``)
    only add the entry id; ``flush`` sends them before the next read and at stop.
    A settle outside a batch (a handler acking after it returned) and an
    ``ACK_FIRST`` ack send their own ``XACK``. A nack leaves the entry pending
    (re-claimed once idle). A crash before the flush leaves the entries pending:
    delivered again (at-least-once).
    """

    __slots__ = ("_client", "_group", "_stream", "collecting", "ids")

    def __init__(self, client: Redis, stream: str, group: str) -> None:
        self._client = client
        self._stream = stream
        self._group = group
        self.collecting = False
        self.ids: list[bytes] = []

    def settle_now(self, message: GroupMessage, settlement: Settlement) -> bool:
        if settlement == "nack" or not self.collecting:
            return False
        self.ids.append(message.entry_id)
        return True

    async def settle(self, message: GroupMessage, settlement: Settlement) -> None:
        if settlement != "nack" and not self.settle_now(message, settlement):
            await self.ack_first(message)

    async def ack_first(self, message: GroupMessage) -> None:
        await self._client.xack(self._stream, self._group, message.entry_id)

    async def flush(self) -> None:
        self.collecting = False
        ids = self.ids
        if ids:
            count = len(ids)
            await self._client.xack(self._stream, self._group, *ids)
            # Only now: a flush cancelled or failed mid-way is sent again by the next one.
            del ids[:count]

    async def flush_at_stop(self) -> None:
        try:
            await self.flush()
        except Exception as exc:
            logger.warning(
                "stream %r group %r: %d acks not sent at stop, the entries will be "
                "delivered again: %s",
                self._stream,
                self._group,
                len(self.ids),
                exc,
            )
            raise


class GroupMessage(StreamMessage):
    """An entry read through a consumer group, settled by its ``GroupAcks``."""

    __slots__ = ("entry_id",)

    entry_id: bytes


async def create_group(client: Redis, spec: StreamSub) -> None:
    """Create ``spec``'s group (and the stream) unless it exists."""
    assert spec.group is not None
    with contextlib.suppress(ResponseError):  # BUSYGROUP: it exists already
        await client.xgroup_create(
            spec.stream, spec.group, id="0" if spec.last_id == "0" else "$", mkstream=True
        )


async def first_id(client: Redis, spec: StreamSub) -> str:
    """Where a reader without a group starts: ``last_id``, with "new entries" ("$")
    pinned to now, so nothing between two reads is skipped."""
    last_id = spec.last_id
    if last_id == "$":
        stream = spec.stream
        info = await client.xinfo_stream(stream) if await client.exists(stream) else None
        last_id = info["last-generated-id"] if info else "0-0"
        if isinstance(last_id, bytes):
            last_id = last_id.decode()
    return last_id

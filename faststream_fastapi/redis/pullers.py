"""``get_one`` on Redis: one message pulled from a list, a stream or a channel."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from redis.asyncio import Redis

from ..core.batch import batch_of
from ..core.message import StreamMessage
from ..core.paths import PathPattern
from ..core.pulling import Puller
from .groupacks import GroupAcks, GroupMessage, create_group, first_id
from .specs import ListSub, RedisSpec, StreamSub
from .wire import DATA_FIELD, to_message, unpack


async def open_puller(client: Redis, spec: RedisSpec) -> Puller:
    if isinstance(spec, ListSub):
        return _ListPuller(client, spec)
    if isinstance(spec, StreamSub):
        if spec.group is not None:
            await create_group(client, spec)
            return _StreamPuller(client, spec, "")
        return _StreamPuller(client, spec, await first_id(client, spec))
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    if spec.pattern:
        await pubsub.psubscribe(PathPattern(spec.channel).subscription)
    else:
        await pubsub.subscribe(spec.channel)
    return _ChannelPuller(pubsub)


class _ListPuller(Puller):
    """``LPOP``, else ``BLPOP`` for at most the timeout; a batch takes up to
    ``max_records`` at once. Popped is gone: at-most-once, as the list consumer."""

    def __init__(self, client: Redis, spec: ListSub) -> None:
        self.client, self.spec = client, spec

    async def get_one(self, timeout: float) -> StreamMessage | None:
        client, key = self.client, self.spec.list
        count = self.spec.max_records if self.spec.batch else 1
        items: Any = await client.lpop(key, count)
        if not items and timeout >= 0.01:  # BLPOP's timeout 0 would wait for ever
            popped = await client.blpop([key], timeout=timeout)
            items = [popped[1]] if popped else None
        if not items:
            return None
        messages = [to_message(item, key, item) for item in items]
        return batch_of(messages) if self.spec.batch else messages[0]


class _StreamPuller(Puller):
    """``XREADGROUP`` (the message settles with ``XACK``) or ``XREAD`` from where
    the last ``get_one`` left off."""

    def __init__(self, client: Redis, spec: StreamSub, last_id: str) -> None:
        self.client, self.spec, self.last_id = client, spec, last_id
        if spec.group is not None:
            self.acks = GroupAcks(client, spec.stream, spec.group)
            self.consumer = spec.consumer or f"{socket.gethostname()}-get-one"

    async def get_one(self, timeout: float) -> StreamMessage | None:
        spec, stream = self.spec, self.spec.stream
        count = spec.max_records if spec.batch else 1
        block = int(timeout * 1000) or None  # block=0 would wait for ever
        if spec.group is not None:
            reply: Any = await self.client.xreadgroup(
                spec.group, self.consumer, {stream: ">"}, count=count, block=block
            )
        else:
            reply = await self.client.xread({stream: self.last_id}, count=count, block=block)
        entries = [e for _, found in reply or () for e in found]
        if not entries:
            return None
        self.last_id = entries[-1][0]
        messages = [self._message(entry_id, fields) for entry_id, fields in entries]
        return batch_of(messages) if spec.batch else messages[0]

    def _message(self, entry_id: bytes, fields: Any) -> StreamMessage:
        data = fields.get(DATA_FIELD, b"")
        if self.spec.group is None:
            return to_message(data, self.spec.stream, fields)
        body, headers = unpack(data)
        message = GroupMessage(
            body, headers, destination=self.spec.stream, raw=fields, settler=self.acks
        )
        message.entry_id = entry_id
        return message


class _ChannelPuller(Puller):
    """A channel subscribed since the puller opened: what was published since."""

    def __init__(self, pubsub: Any) -> None:
        self.pubsub = pubsub

    async def get_one(self, timeout: float) -> StreamMessage | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            left = max(0.0, deadline - loop.time())
            raw = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
            if raw is not None:
                channel = raw["channel"]
                name = channel.decode() if isinstance(channel, bytes) else str(channel)
                return to_message(raw["data"], name, raw)
            if left <= 0:
                return None

    async def close(self) -> None:
        await self.pubsub.aclose()

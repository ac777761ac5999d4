"""Consuming a Redis stream: as a plain reader, or as a member of a consumer group."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Iterator
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..core.batch import batch_of
from ..core.message import Deliver
from . import wire
from .groupacks import GroupAcks, GroupMessage, create_group, first_id
from .loops import RETRY_DELAY, Loop, make_loop
from .specs import StreamSub
from .wire import DATA_FIELD
from .wire import to_message as _message


async def stream_loop(
    client: Redis, spec: StreamSub, deliver: Deliver, max_workers: int, consumer_ids: Iterator[int]
) -> Loop:
    """A stream's consume loop: read from ``last_id`` without a group; with one,
    read as a group member, re-claim idle pending entries and ``XACK`` in batches."""
    stream, group = spec.stream, spec.group
    block = max(1, int(spec.polling_interval * 1000))
    if group is None:
        last_id = await first_id(client, spec)

        async def run_plain(loop: Loop) -> None:
            nonlocal last_id
            while not loop.stopping:
                try:
                    reply: Any = await client.xread(
                        {stream: last_id}, count=spec.max_records, block=block
                    )
                except (RedisConnectionError, RedisTimeoutError, OSError):
                    await asyncio.sleep(RETRY_DELAY)
                    continue
                for _, entries in reply or ():
                    if spec.batch and entries:
                        last_id = entries[-1][0]
                        messages = [
                            _message(fields.get(DATA_FIELD, b""), stream, fields)
                            for _, fields in entries
                        ]
                        await loop.handle(deliver, batch_of(messages))
                        continue
                    for entry_id, fields in entries:
                        last_id = entry_id
                        await loop.handle(
                            deliver, _message(fields.get(DATA_FIELD, b""), stream, fields)
                        )

        return make_loop(run_plain, None, max_workers)

    consumer = spec.consumer or f"{socket.gethostname()}-{os.getpid()}-{next(consumer_ids)}"
    await create_group(client, spec)

    acks = GroupAcks(client, stream, group)

    def entry(entry_id: bytes, fields: Any) -> GroupMessage:
        body, headers = wire.unpack(fields.get(DATA_FIELD, b""))
        message = GroupMessage(body, headers, destination=stream, raw=fields, settler=acks)
        message.entry_id = entry_id
        return message

    async def handle_entries(loop: Loop, entries: Any) -> None:
        acks.collecting = True
        if spec.batch:
            acks.ids.extend(entry_id for entry_id, fields in entries if fields is None)
            batch = [entry(entry_id, fields) for entry_id, fields in entries if fields]
            if batch:  # stopping: it stays pending for another consumer
                await loop.handle(deliver, batch_of(batch))
            return
        acks.ids.extend(entry_id for entry_id, fields in entries if fields is None)  # deleted
        messages = (entry(entry_id, fields) for entry_id, fields in entries if fields is not None)
        # Stopping, those not started stay pending for another consumer.
        await loop.handle_all(deliver, messages)

    async def run_group(loop: Loop) -> None:
        claim_at = 0.0
        clock = asyncio.get_running_loop().time
        while not loop.stopping:
            try:
                if clock() >= claim_at:
                    # Entries still in hand are ours: not claimed back from under them.
                    await loop.drained()
                    claim_at = clock() + spec.min_idle_time / 2000
                    await acks.flush()
                    claimed: Any = await client.xautoclaim(
                        stream,
                        group,
                        consumer,
                        spec.min_idle_time,
                        "0-0",
                        count=spec.max_records,
                    )
                    await handle_entries(loop, claimed[1])
                # The batch's acks, in one round trip, before reading the next.
                await acks.flush()
                reply: Any = await client.xreadgroup(
                    group, consumer, {stream: ">"}, count=spec.max_records, block=block
                )
            except (RedisConnectionError, RedisTimeoutError, OSError):
                await asyncio.sleep(RETRY_DELAY)
                continue
            except ResponseError as exc:
                if "NOGROUP" in str(exc):
                    with contextlib.suppress(ResponseError):
                        await client.xgroup_create(stream, group, id="0", mkstream=True)
                    continue
                raise
            for _, entries in reply or ():
                await handle_entries(loop, entries)

    # At stop the loop's acks are flushed after its handlers ended (``Loop.stop``).
    return make_loop(run_group, acks.flush_at_stop, max_workers)

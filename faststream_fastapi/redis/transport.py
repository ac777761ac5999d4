"""The Redis transport on redis-py's asyncio client."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..core.batch import batch_of
from ..core.errors import NotConnectedError, PublishError
from ..core.message import Deliver, Envelope, StreamMessage
from ..core.paths import PathPattern
from ..core.probe import Probe
from ..core.pulling import Puller
from ..core.replies import ReplyWaiters
from ..core.taskloop import TaskLoop
from ..core.transport import Consumption, Transport
from . import pullers, wire
from .groupacks import GroupAcks, GroupMessage, create_group, first_id
from .pool import make_client
from .specs import ListSub, PubSub, RedisSpec, StreamSub
from .wire import DATA_FIELD
from .wire import to_message as _message

logger = logging.getLogger("faststream_fastapi.redis")

_RETRY_DELAY = 1.0


class _Loop(TaskLoop):
    """A consume loop in a task; ``stop`` lets the current message finish and
    starts no other (a stream group's unstarted entries stay pending)."""

    async def handle(self, deliver: Deliver, message: StreamMessage) -> bool:
        """Deliver ``message``; False (not delivered) once stopping."""
        if self.stopping:
            return False
        await self._inflight.deliver(deliver, message, self.task)
        return True


class _Workers(_Loop):
    """A consume loop delivering up to ``max_workers`` messages at once, each in a
    task of its own; it takes the next message once one of them ends."""

    handle = TaskLoop.submit


def _loop(
    run: Callable[[_Loop], Coroutine[Any, Any, None]],
    cleanup: Callable[[], Awaitable[Any]] | None,
    max_workers: int,
) -> _Loop:
    if max_workers == 1:
        return _Loop(run, cleanup)
    return _Workers(run, cleanup, max_workers)


def _wire_headers(envelope: Envelope) -> dict[str, str]:
    """The headers framed into the value: the envelope's, with its ids (as
    ``publish`` does inline)."""
    headers = envelope.headers
    if envelope.correlation_id:
        headers["correlation_id"] = envelope.correlation_id
    if envelope.reply_to:
        headers["reply_to"] = envelope.reply_to
    return headers


class RedisTransport(Transport[RedisSpec]):
    def __init__(self, url: str = "redis://localhost:6379", **options: Any) -> None:
        self.url = url
        self.options = options
        self.client: Redis | None = None
        self._inbox: str | None = None
        self._inbox_loop: _Loop | None = None
        self._waiters = ReplyWaiters()
        self._consumer_ids = itertools.count(1)
        self._probe = Probe(lambda: self._client().ping())

    def _client(self) -> Redis:
        if self.client is None:
            raise NotConnectedError("the Redis broker is not connected; call start() first")
        return self.client

    async def connect(self) -> None:
        if self.client is None:
            client = make_client(self.url, self.options)
            try:
                await client.ping()
            except Exception:
                await client.aclose()
                raise
            self.client = client

    async def close(self) -> None:
        if self._inbox_loop is not None:
            await self._inbox_loop.stop()
            self._inbox_loop = self._inbox = None
        for fut in self._waiters.values():
            fut.cancel()
        self._waiters.clear()
        await self._probe.cancel()
        client, self.client = self.client, None
        if client is not None:
            await client.aclose()

    async def ping(self, timeout: float) -> bool:
        return self.client is not None and await self._probe(timeout)

    # -- publishing ---------------------------------------------------------------

    async def publish(self, envelope: Envelope) -> Any:
        client = self._client()
        headers = envelope.headers
        if envelope.correlation_id:
            headers["correlation_id"] = envelope.correlation_id
        if envelope.reply_to:
            headers["reply_to"] = envelope.reply_to
        data = wire.pack(envelope.body, headers)
        kind = envelope.options.get("kind", "channel")
        try:
            if kind == "list":
                return await client.rpush(envelope.destination, data)
            if kind == "stream":
                maxlen = envelope.options.get("maxlen")
                return await client.xadd(
                    envelope.destination, {DATA_FIELD: data}, maxlen=maxlen, approximate=True
                )
            return await client.publish(envelope.destination, data)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise PublishError(
                f"publish to Redis {kind} {envelope.destination!r} failed: {exc}"
            ) from exc

    async def publish_batch(self, envelopes: Sequence[Envelope]) -> list[Any]:
        """Envelopes for one list, appended in one ``RPUSH``; its reply (the
        list's length) stands for each of them."""
        if not envelopes:
            return []
        client = self._client()
        values = [wire.pack(e.body, _wire_headers(e)) for e in envelopes]
        destination = envelopes[0].destination
        try:
            length = await client.rpush(destination, *values)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise PublishError(f"publish to Redis list {destination!r} failed: {exc}") from exc
        return [length] * len(envelopes)

    async def pull(self, spec: RedisSpec) -> Puller:
        """``get_one``'s source for ``spec`` (see ``core.pulling``)."""
        return await pullers.open_puller(self._client(), spec)

    async def request(self, envelope: Envelope, timeout: float) -> StreamMessage:
        cid, future = self._waiters.expect(envelope, await self._ensure_inbox())
        try:
            await self.publish(envelope)
            return await asyncio.wait_for(future, timeout)
        finally:
            self._waiters.pop(cid, None)

    async def _ensure_inbox(self) -> str:
        if self._inbox is None:
            name = f"_inbox.{uuid.uuid4().hex}"

            async def on_reply(message: StreamMessage) -> None:
                self._waiters.resolve(message.correlation_id, message)

            self._inbox_loop = await self._pubsub(PubSub(name), on_reply)
            self._inbox = name
        return self._inbox

    # -- consuming ----------------------------------------------------------------

    async def subscribe(self, spec: RedisSpec, deliver: Deliver) -> Consumption:
        return await self.subscribe_workers(spec, deliver, 1)

    async def subscribe_workers(
        self, spec: RedisSpec, deliver: Deliver, max_workers: int
    ) -> Consumption:
        if isinstance(spec, PubSub):
            return await self._pubsub(spec, deliver, max_workers)
        if isinstance(spec, ListSub):
            return self._list(spec, deliver, max_workers)
        return await self._stream(spec, deliver, max_workers)

    async def _pubsub(self, spec: PubSub, deliver: Deliver, max_workers: int = 1) -> _Loop:
        pubsub = self._client().pubsub(ignore_subscribe_messages=True)
        if spec.pattern:
            await pubsub.psubscribe(PathPattern(spec.channel).subscription)
        else:
            await pubsub.subscribe(spec.channel)

        async def run(loop: _Loop) -> None:
            while not loop.stopping:
                try:
                    raw = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                except (RedisConnectionError, RedisTimeoutError, OSError):
                    await asyncio.sleep(_RETRY_DELAY)
                    continue
                if raw is None or loop.stopping:
                    continue
                channel = raw["channel"]
                destination = channel.decode() if isinstance(channel, bytes) else str(channel)
                await loop.handle(deliver, _message(raw["data"], destination, raw))

        return _loop(run, pubsub.aclose, max_workers)

    def _list(self, spec: ListSub, deliver: Deliver, max_workers: int) -> _Loop:
        client = self._client()
        key, batch = spec.list, spec.batch

        async def run(loop: _Loop) -> None:
            while not loop.stopping:
                try:
                    # Drain what waits in one round trip, block only when empty.
                    items: Any = await client.lpop(key, spec.max_records)
                    if not items:
                        popped = await client.blpop([key], timeout=spec.polling_interval)
                        items = [popped[1]] if popped else []
                        if items and batch and spec.max_records > 1:
                            # A batch takes what arrived with the first, in the same call.
                            items.extend(await client.lpop(key, spec.max_records - 1) or ())
                except (RedisConnectionError, RedisTimeoutError, OSError):
                    await asyncio.sleep(_RETRY_DELAY)
                    continue
                if batch:
                    if items and not await loop.handle(
                        deliver, batch_of([_message(item, key, item) for item in items])
                    ):
                        unstarted.extend(items)
                        return
                    continue
                for index, item in enumerate(items):
                    if not await loop.handle(deliver, _message(item, key, item)):
                        unstarted.extend(items[index:])
                        return

        async def push_back() -> None:
            if unstarted:
                # Popped but not started when the loop stopped: back at the head, in order.
                try:
                    await client.lpush(key, *reversed(unstarted))
                except Exception as exc:
                    lost = len(unstarted)
                    logger.error("list %r: %d popped items lost at stop: %s", key, lost, exc)
                    raise

        unstarted: list[bytes] = []
        return _loop(run, push_back, max_workers)

    async def _stream(self, spec: StreamSub, deliver: Deliver, max_workers: int) -> _Loop:
        client = self._client()
        stream, group = spec.stream, spec.group
        block = max(1, int(spec.polling_interval * 1000))
        if group is None:
            last_id = await first_id(client, spec)

            async def run_plain(loop: _Loop) -> None:
                nonlocal last_id
                while not loop.stopping:
                    try:
                        reply: Any = await client.xread(
                            {stream: last_id}, count=spec.max_records, block=block
                        )
                    except (RedisConnectionError, RedisTimeoutError, OSError):
                        await asyncio.sleep(_RETRY_DELAY)
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

            return _loop(run_plain, None, max_workers)

        consumer = (
            spec.consumer or f"{socket.gethostname()}-{os.getpid()}-{next(self._consumer_ids)}"
        )
        await create_group(client, spec)

        acks = GroupAcks(client, stream, group)

        def entry(entry_id: bytes, fields: Any) -> GroupMessage:
            body, headers = wire.unpack(fields.get(DATA_FIELD, b""))
            message = GroupMessage(body, headers, destination=stream, raw=fields, settler=acks)
            message.entry_id = entry_id
            return message

        async def handle_entries(loop: _Loop, entries: Any) -> None:
            acks.collecting = True
            if spec.batch:
                acks.ids.extend(entry_id for entry_id, fields in entries if fields is None)
                batch = [entry(entry_id, fields) for entry_id, fields in entries if fields]
                if batch:  # stopping: it stays pending for another consumer
                    await loop.handle(deliver, batch_of(batch))
                return
            for entry_id, fields in entries:
                if fields is None:  # deleted while pending
                    acks.ids.append(entry_id)
                    continue
                body, headers = wire.unpack(fields.get(DATA_FIELD, b""))
                message = GroupMessage(body, headers, destination=stream, raw=fields, settler=acks)
                message.entry_id = entry_id
                if not await loop.handle(deliver, message):
                    return  # stopping: the rest stays pending for another consumer

        async def run_group(loop: _Loop) -> None:
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
                    await asyncio.sleep(_RETRY_DELAY)
                    continue
                except ResponseError as exc:
                    if "NOGROUP" in str(exc):
                        with contextlib.suppress(ResponseError):
                            await client.xgroup_create(stream, group, id="0", mkstream=True)
                        continue
                    raise
                for _, entries in reply or ():
                    await handle_entries(loop, entries)

        # At stop the loop's acks are flushed after its handlers ended (``_Loop.stop``).
        return _loop(run_group, acks.flush_at_stop, max_workers)

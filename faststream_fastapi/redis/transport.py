"""The Redis transport on redis-py's asyncio client."""

from __future__ import annotations

import asyncio
import itertools
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..core.batch import batch_of
from ..core.errors import NotConnectedError, PublishError
from ..core.message import Deliver, Envelope, StreamMessage
from ..core.paths import PathPattern
from ..core.probe import Probe
from ..core.pulling import Puller
from ..core.replies import ReplyWaiters
from ..core.transport import Consumption, Transport
from . import pullers, wire
from .loops import RETRY_DELAY, Loop, make_loop
from .pool import make_client
from .specs import ListSub, PubSub, RedisSpec
from .streams import stream_loop
from .wire import DATA_FIELD
from .wire import to_message as _message

logger = logging.getLogger("faststream_fastapi.redis")


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
        self._inbox_loop: Loop | None = None
        self._waiters = ReplyWaiters()
        self._consumer_ids = itertools.count(1)
        self._probe = Probe(lambda: self._client().ping())

    def native(self) -> Redis | None:
        return self.client

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
        return await stream_loop(self._client(), spec, deliver, max_workers, self._consumer_ids)

    async def _pubsub(self, spec: PubSub, deliver: Deliver, max_workers: int = 1) -> Loop:
        pubsub = self._client().pubsub(ignore_subscribe_messages=True)
        if spec.pattern:
            await pubsub.psubscribe(PathPattern(spec.channel).subscription)
        else:
            await pubsub.subscribe(spec.channel)

        async def run(loop: Loop) -> None:
            while not loop.stopping:
                try:
                    raw = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                except (RedisConnectionError, RedisTimeoutError, OSError):
                    await asyncio.sleep(RETRY_DELAY)
                    continue
                if raw is None or loop.stopping:
                    continue
                channel = raw["channel"]
                destination = channel.decode() if isinstance(channel, bytes) else str(channel)
                await loop.handle(deliver, _message(raw["data"], destination, raw))

        return make_loop(run, pubsub.aclose, max_workers)

    def _list(self, spec: ListSub, deliver: Deliver, max_workers: int) -> Loop:
        client = self._client()
        key, batch = spec.list, spec.batch

        async def run(loop: Loop) -> None:
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
                    await asyncio.sleep(RETRY_DELAY)
                    continue
                if batch:
                    if items and not await loop.handle(
                        deliver, batch_of([_message(item, key, item) for item in items])
                    ):
                        unstarted.extend(items)
                        return
                    continue
                messages = (_message(item, key, item) for item in items)
                started = await loop.handle_all(deliver, messages)
                if started < len(items):  # stopping
                    unstarted.extend(items[started:])
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
        return make_loop(run, push_back, max_workers)

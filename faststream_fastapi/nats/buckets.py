"""JetStream key-value buckets and object stores: opened once per connection, and
watched by ``kv_watch=`` / ``obj_watch=`` subscribers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, ObjectInfo, ObjectStoreConfig
from nats.js.kv import KeyValue
from nats.js.object_store import ObjectStore

from ..core import codec
from ..core.errors import SetupError
from ..core.message import Deliver, StreamMessage
from ..core.pulling import Puller
from .consumers import Loop, Workers
from .specs import NatsSub

T = TypeVar("T")


class Buckets:
    """The buckets a connection opened, by name: ``key_value`` and ``object_storage``
    ask the server once per bucket. An existing bucket is opened as it is (its
    settings are the operator's); a missing one is created with the ones given,
    unless ``declare=False``, when it is an error."""

    def __init__(self) -> None:
        self.key_values: dict[str, KeyValue] = {}
        self.object_stores: dict[str, ObjectStore] = {}

    def clear(self) -> None:
        self.key_values.clear()
        self.object_stores.clear()

    async def key_value(
        self, js: JetStreamContext, bucket: str, declare: bool, config: dict[str, Any]
    ) -> KeyValue:
        return await _opened(
            self.key_values,
            bucket,
            declare,
            "key-value bucket",
            lambda: js.key_value(bucket),
            lambda: js.create_key_value(KeyValueConfig(bucket=bucket, **config)),
        )

    async def object_store(
        self, js: JetStreamContext, bucket: str, declare: bool, config: dict[str, Any]
    ) -> ObjectStore:
        return await _opened(
            self.object_stores,
            bucket,
            declare,
            "object store",
            lambda: js.object_store(bucket),
            lambda: js.create_object_store(bucket, ObjectStoreConfig(bucket=bucket, **config)),
        )


async def _opened(
    cache: dict[str, T],
    bucket: str,
    declare: bool,
    what: str,
    open_existing: Callable[[], Awaitable[T]],
    create: Callable[[], Awaitable[T]],
) -> T:
    found = cache.get(bucket)
    if found is None:
        try:
            found = await open_existing()
        except nats.js.errors.BucketNotFoundError as exc:
            if not declare:
                raise SetupError(
                    f"NATS {what} {bucket!r} does not exist (and declare=False)"
                ) from exc
            found = await create()
        cache[bucket] = found
    return found


def kv_message(entry: KeyValue.Entry) -> StreamMessage:
    """A key's update: its value (bytes, as FastStream 0.5 decodes it), the key as
    destination (``{name}`` parts of the subject fill from it)."""
    return StreamMessage(
        entry.value or b"",
        destination=entry.key,
        message_id=str(entry.revision),
        content_type=codec.BINARY,
        raw=entry,
    )


def obj_message(info: ObjectInfo) -> StreamMessage:
    """An object store's update: the object's name (its data may be any size)."""
    return StreamMessage(
        info.name.encode(),
        destination=info.bucket,
        message_id=info.nuid,
        content_type=codec.TEXT,
        raw=info,
    )


async def _watch(buckets: Buckets, js: JetStreamContext, spec: NatsSub) -> Any:
    """Start watching what ``spec`` names; the watcher and the loop feeding ``deliver``."""
    if spec.kv_watch is not None:
        kw = spec.kv_watch
        kv = await buckets.key_value(js, kw.bucket, kw.declare, {})
        watcher: Any = await kv.watch(
            spec.wire_subject,
            headers_only=kw.headers_only,
            include_history=kw.include_history,
            ignore_deletes=kw.ignore_deletes,
            meta_only=kw.meta_only,
            inactive_threshold=kw.inactive_threshold,
        )
        return watcher, KeyValue.Entry, kv_message, kw.timeout
    ow = spec.obj_watch
    assert ow is not None
    store = await buckets.object_store(js, spec.subject, ow.declare, {})
    watcher = await store.watch(
        ignore_deletes=ow.ignore_deletes,
        include_history=ow.include_history,
        meta_only=ow.meta_only,
    )
    return watcher, ObjectInfo, obj_message, ow.timeout


class WatchPuller(Puller):
    """``subscriber.get_one(timeout=...)`` on a bucket watch: the next update, or
    ``None`` after ``timeout`` seconds without one (FastStream 0.5)."""

    def __init__(self, watcher: Any, kind: type, to_message: Any) -> None:
        self._watcher = watcher
        self._kind = kind
        self._to_message = to_message

    async def get_one(self, timeout: float) -> StreamMessage | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (left := deadline - loop.time()) > 0:
            try:
                update = await self._watcher.updates(left)
            except (nats.errors.TimeoutError, asyncio.TimeoutError):
                return None
            if isinstance(update, self._kind):
                return self._to_message(update)  # type: ignore[no-any-return]
        return None

    async def close(self) -> None:
        await self._watcher.stop()


async def watch_puller(buckets: Buckets, js: JetStreamContext, spec: NatsSub) -> WatchPuller:
    watcher, kind, to_message, _ = await _watch(buckets, js, spec)
    return WatchPuller(watcher, kind, to_message)


async def watch_loop(
    buckets: Buckets,
    js: JetStreamContext,
    client: Client,
    spec: NatsSub,
    deliver: Deliver,
    max_workers: int,
) -> Loop:
    """A bucket watch as a consumption: each update delivered, none settled (a
    watch has nothing to acknowledge) and none replied to."""
    watcher, kind, to_message, timeout = await _watch(buckets, js, spec)

    async def run(loop: Loop) -> None:
        while not loop.stopping:
            try:
                update = await watcher.updates(timeout)
            except (nats.errors.TimeoutError, asyncio.TimeoutError):
                continue
            except nats.errors.ConnectionClosedError:
                return
            # ``None`` marks the end of what was there before; a sentinel, the stop.
            if isinstance(update, kind):
                await loop.handle(deliver, to_message(update))

    loop_kind = Loop if max_workers == 1 else Workers
    return loop_kind(run, cleanup=watcher.stop, client=client, max_workers=max_workers)

"""Key-value buckets and object stores in memory, for ``TestNatsBroker``.

They answer the calls of nats-py's ``KeyValue`` and ``ObjectStore`` a service
makes most (put, get, delete, keys / list), and each change reaches the
``kv_watch=`` / ``obj_watch=`` subscribers watching it at once, inside the call,
as a publish reaches subscribers under a test broker.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import nats.js.errors
from nats.js.api import ObjectInfo
from nats.js.kv import KeyValue
from nats.js.object_store import ObjectStore

from ..core.message import StreamMessage
from .buckets import kv_message, obj_message
from .specs import NatsSub, subject_matches

#: Delivers a watch update (a message made per subscriber) to the subscribers for
#: which ``wants(spec)`` holds.
Notify = Callable[[Callable[[NatsSub], bool], Callable[[], StreamMessage]], Awaitable[None]]

_DELETES = ("DEL", "PURGE")


class MemoryKeyValue:
    """A key-value bucket: each key's latest entry, revisions counting up per bucket."""

    def __init__(self, bucket: str, notify: Notify) -> None:
        self._bucket = bucket
        self._notify = notify
        self._entries: dict[str, KeyValue.Entry] = {}
        self._revision = 0

    async def _record(self, key: str, value: bytes, operation: str | None) -> int:
        self._revision += 1
        entry = KeyValue.Entry(
            bucket=self._bucket,
            key=key,
            value=value,
            revision=self._revision,
            delta=0,
            created=None,
            operation=operation,
        )
        self._entries[key] = entry

        def wants(spec: NatsSub) -> bool:
            watch = spec.kv_watch
            if watch is None or watch.bucket != self._bucket:
                return False
            if watch.ignore_deletes and operation in _DELETES:
                return False
            return subject_matches(spec.wire_subject, key)

        await self._notify(wants, lambda: kv_message(entry))
        return self._revision

    async def put(self, key: str, value: bytes) -> int:
        return await self._record(key, value, None)

    async def get(self, key: str, revision: int | None = None) -> KeyValue.Entry:
        entry = self._entries.get(key)
        if entry is None or entry.operation in _DELETES:
            raise nats.js.errors.KeyNotFoundError
        return entry

    async def create(self, key: str, value: bytes) -> int:
        entry = self._entries.get(key)
        if entry is not None and entry.operation not in _DELETES:
            raise nats.js.errors.KeyWrongLastSequenceError
        return await self.put(key, value)

    async def update(self, key: str, value: bytes, last: int | None = None) -> int:
        entry = self._entries.get(key)
        if last is not None and (entry is None or entry.revision != last):
            raise nats.js.errors.KeyWrongLastSequenceError
        return await self.put(key, value)

    async def delete(self, key: str, last: int | None = None) -> bool:
        await self._record(key, b"", "DEL")
        return True

    async def purge(self, key: str) -> bool:
        await self._record(key, b"", "PURGE")
        return True

    async def keys(self, filters: list[str] | None = None, **_: Any) -> list[str]:
        live = [k for k, e in self._entries.items() if e.operation not in _DELETES]
        if filters:
            live = [k for k in live if any(f in k for f in filters)]
        if not live:
            raise nats.js.errors.NoKeysError
        return live


class MemoryObjectStore:
    """An object store: each object's info and data."""

    def __init__(self, bucket: str, notify: Notify) -> None:
        self._bucket = bucket
        self._notify = notify
        self._objects: dict[str, ObjectStore.ObjectResult] = {}

    async def _changed(self, info: ObjectInfo) -> None:
        def wants(spec: NatsSub) -> bool:
            watch = spec.obj_watch
            if watch is None or spec.subject != self._bucket:
                return False
            return not (watch.ignore_deletes and info.deleted)

        await self._notify(wants, lambda: obj_message(info))

    async def put(self, name: str, data: str | bytes | io.BufferedIOBase, **_: Any) -> ObjectInfo:
        if isinstance(data, str):
            data = data.encode()
        elif not isinstance(data, bytes):
            data = data.read()
        info = ObjectInfo(name=name, bucket=self._bucket, nuid=uuid.uuid4().hex, size=len(data))
        self._objects[name] = ObjectStore.ObjectResult(info=info, data=data)
        await self._changed(info)
        return info

    async def get(self, name: str, **_: Any) -> ObjectStore.ObjectResult:
        found = self._objects.get(name)
        if found is None or found.info.deleted:
            raise nats.js.errors.ObjectNotFoundError
        return found

    async def get_info(self, name: str, **_: Any) -> ObjectInfo:
        return (await self.get(name)).info

    async def delete(self, name: str) -> ObjectStore.ObjectResult:
        info = (await self.get(name)).info
        gone = ObjectInfo(name=name, bucket=self._bucket, nuid=info.nuid, size=0, deleted=True)
        self._objects[name] = result = ObjectStore.ObjectResult(info=gone, data=b"")
        await self._changed(gone)
        return result

    async def list(self, ignore_deletes: bool = False, **_: Any) -> list[ObjectInfo]:
        infos = [r.info for r in self._objects.values()]
        return [i for i in infos if not (ignore_deletes and i.deleted)]

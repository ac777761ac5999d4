"""``TestNatsBroker``: NATS subject matching and queue groups in memory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.message import REPLY_TO, Deliver, Envelope, StreamMessage
from ..core.testing import MemoryTransport, TestBroker
from ..core.transport import Consumption
from .broker import NatsBroker
from .memory_buckets import MemoryKeyValue, MemoryObjectStore
from .specs import NatsSub, subject_matches

Watcher = tuple[NatsSub, Deliver]


class _Unwatch(Consumption):
    def __init__(self, watchers: list[Watcher], entry: Watcher) -> None:
        self._watchers = watchers
        self._entry = entry

    async def stop(self) -> None:
        if self._entry in self._watchers:
            self._watchers.remove(self._entry)


class NatsMemoryTransport(MemoryTransport):
    """Core subscribers and JetStream consumers alike get what matches their subject;
    bucket watchers, kept apart from them, the changes of the in-memory buckets."""

    def __init__(self) -> None:
        super().__init__()
        self.watchers: list[Watcher] = []
        self.key_values: dict[str, MemoryKeyValue] = {}
        self.object_stores: dict[str, MemoryObjectStore] = {}

    async def key_value(self, bucket: str, declare: bool, config: dict[str, Any]) -> Any:
        kv = self.key_values.get(bucket)
        if kv is None:
            kv = self.key_values[bucket] = MemoryKeyValue(bucket, self._notify)
        return kv

    async def object_storage(self, bucket: str, declare: bool, config: dict[str, Any]) -> Any:
        store = self.object_stores.get(bucket)
        if store is None:
            store = self.object_stores[bucket] = MemoryObjectStore(bucket, self._notify)
        return store

    async def subscribe(self, spec: Any, deliver: Deliver) -> Consumption:
        if isinstance(spec, NatsSub) and (spec.kv_watch or spec.obj_watch):
            entry = (spec, deliver)
            self.watchers.append(entry)
            return _Unwatch(self.watchers, entry)
        return await super().subscribe(spec, deliver)

    async def close(self) -> None:
        await super().close()
        self.watchers.clear()

    async def _notify(
        self, wants: Callable[[NatsSub], bool], message: Callable[[], StreamMessage]
    ) -> None:
        if self.catch_up is not None:
            await self.catch_up()
        for spec, deliver in list(self.watchers):
            if wants(spec):
                await deliver(message())

    def describe(self, envelope: Envelope) -> str:
        stream = envelope.options.get("stream")
        where = f" in stream {getattr(stream, 'name', stream)!r}" if stream is not None else ""
        return f"subject {envelope.destination!r}{where}"

    def routes(self, spec: Any, envelope: Envelope) -> bool:
        if not isinstance(spec, NatsSub):
            return False
        stream = envelope.options.get("stream")
        # Published to a stream: only that stream's subscribers get it (FastStream 0.5).
        if stream is not None and getattr(spec.stream, "name", None) != getattr(
            stream, "name", stream
        ):
            return False
        destination, subjects = envelope.destination, spec.subjects
        if len(subjects) == 1:
            return subject_matches(subjects[0], destination)
        return any(subject_matches(subject, destination) for subject in subjects)

    def unrouted(self, envelope: Envelope) -> None:
        """A subject a subscriber's stream captures is kept in that stream, as on a
        server (a consumer filtering other subjects does not lose it); otherwise
        nothing would see the message."""
        named = envelope.options.get("stream")
        named = getattr(named, "name", named)
        for spec, _ in self.subscriptions:
            stream = spec.stream if isinstance(spec, NatsSub) else None
            if stream is None or named not in (None, stream.name):
                continue
            captured = stream.subjects if stream.subjects is not None else spec.subjects
            if any(subject_matches(s, envelope.destination) for s in captured):
                return
        super().unrouted(envelope)

    def wire_headers(self, envelope: Envelope) -> dict[str, str]:
        # As NatsTransport.publish sends them; nats-py adds the expected stream.
        stream = envelope.options.get("stream")
        if not envelope.correlation_id and stream is None:
            return envelope.headers
        headers = dict(envelope.headers)
        if envelope.correlation_id:
            headers["correlation_id"] = envelope.correlation_id
        if stream is not None:
            headers["nats-expected-stream"] = stream.name
            if envelope.reply_to:
                headers[REPLY_TO] = envelope.reply_to
        return headers

    def batched(self, spec: Any) -> bool:
        return isinstance(spec, NatsSub) and spec.pull_sub is not None and spec.pull_sub.batch

    def group_key(self, spec: Any) -> Any:
        if not isinstance(spec, NatsSub):
            return None
        if spec.stream is not None and spec.durable:
            # One durable consumer, however many subscriptions bind to it.
            return ("durable", spec.stream.name, spec.durable)
        if spec.queue:
            stream = spec.stream.name if spec.stream is not None else None
            return ("queue", stream, spec.wire_subject, spec.queue)
        return None


class TestNatsBroker(TestBroker[NatsBroker]):
    """``async with TestNatsBroker(broker) as br:`` — no NATS server needed."""

    transport_factory = NatsMemoryTransport

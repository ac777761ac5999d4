"""``TestRedisBroker``: Redis routing rules in memory."""

from __future__ import annotations

import fnmatch
from typing import Any

from ..core.message import Envelope
from ..core.paths import PathPattern
from ..core.testing import MemoryTransport, TestBroker
from .broker import RedisBroker
from .specs import ListSub, PubSub, StreamSub


class RedisMemoryTransport(MemoryTransport):
    def describe(self, envelope: Envelope) -> str:
        return f"{envelope.options.get('kind', 'channel')} {envelope.destination!r}"

    def routes(self, spec: Any, envelope: Envelope) -> bool:
        kind = envelope.options.get("kind", "channel")
        if isinstance(spec, PubSub):
            if kind != "channel":
                return False
            if spec.pattern:
                glob = PathPattern(spec.channel).subscription
                return fnmatch.fnmatchcase(envelope.destination, glob)
            return spec.channel == envelope.destination
        if isinstance(spec, ListSub):
            return kind == "list" and spec.list == envelope.destination
        if isinstance(spec, StreamSub):
            return kind == "stream" and spec.stream == envelope.destination
        return False

    def wire_headers(self, envelope: Envelope) -> dict[str, str]:
        # RedisTransport.publish frames these two into the value's headers.
        headers = envelope.headers
        if envelope.correlation_id or envelope.reply_to:
            headers = dict(headers)
            if envelope.correlation_id:
                headers["correlation_id"] = envelope.correlation_id
            if envelope.reply_to:
                headers["reply_to"] = envelope.reply_to
        return headers

    def batched(self, spec: Any) -> bool:
        return isinstance(spec, ListSub | StreamSub) and spec.batch

    def group_key(self, spec: Any) -> Any:
        if isinstance(spec, ListSub):
            return ("list", spec.list)
        if isinstance(spec, StreamSub) and spec.group:
            return ("stream", spec.stream, spec.group)
        return None


class TestRedisBroker(TestBroker[RedisBroker]):
    """``async with TestRedisBroker(broker) as br:`` — no Redis server needed."""

    transport_factory = RedisMemoryTransport

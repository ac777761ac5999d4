"""``TestNatsBroker``: NATS subject matching and queue groups in memory."""

from __future__ import annotations

from typing import Any

from ..core.message import REPLY_TO, Envelope
from ..core.testing import MemoryTransport, TestBroker
from .broker import NatsBroker
from .specs import NatsSub, subject_matches


class NatsMemoryTransport(MemoryTransport):
    """Core subscribers and JetStream consumers alike get what matches their subject."""

    def routes(self, spec: Any, envelope: Envelope) -> bool:
        if not isinstance(spec, NatsSub):
            return False
        stream = envelope.options.get("stream")
        # Published to a stream: only that stream's subscribers get it (FastStream 0.5).
        if stream is not None and getattr(spec.stream, "name", None) != getattr(
            stream, "name", stream
        ):
            return False
        return subject_matches(spec.wire_subject, envelope.destination)

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

"""``TestNatsBroker``: NATS subject matching and queue groups in memory."""

from __future__ import annotations

from typing import Any

from ..core.message import Envelope
from ..core.testing import MemoryTransport, TestBroker
from .broker import NatsBroker
from .specs import NatsSub, subject_matches


class NatsMemoryTransport(MemoryTransport):
    """Core subscribers and JetStream consumers alike get what matches their subject."""

    def routes(self, spec: Any, envelope: Envelope) -> bool:
        return isinstance(spec, NatsSub) and subject_matches(
            spec.wire_subject, envelope.destination
        )

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

"""NATS: core subjects, queue groups and JetStream over nats-py."""

from ..core.extras import needs

with needs("nats", "nats"):
    # nats-py's JetStream settings, importable from here as from ``faststream.nats``.
    from nats.js.api import (
        ConsumerConfig,
        DeliverPolicy,
        DiscardPolicy,
        ExternalStream,
        Placement,
        ReplayPolicy,
        RePublish,
        RetentionPolicy,
        StorageType,
        StreamConfig,
        StreamSource,
    )

    from ..core.ack import AckPolicy
    from ..core.message import StreamMessage as NatsMessage
    from . import fastapi
    from .broker import NatsBroker, NatsPublisher, NatsRoute, NatsRouter
    from .response import NatsResponse
    from .specs import JStream, NatsSub, PullSub
    from .testing import TestNatsBroker
    from .watch import KvWatch, ObjWatch

__all__ = [
    "AckPolicy",
    "ConsumerConfig",
    "DeliverPolicy",
    "DiscardPolicy",
    "ExternalStream",
    "JStream",
    "KvWatch",
    "NatsBroker",
    "NatsMessage",
    "NatsResponse",
    "NatsRouter",
    "NatsSub",
    "ObjWatch",
    "Placement",
    "PullSub",
    "RePublish",
    "ReplayPolicy",
    "RetentionPolicy",
    "StorageType",
    "StreamConfig",
    "StreamSource",
    "TestNatsBroker",
    "fastapi",
]
__all__ += ["NatsPublisher", "NatsRoute"]

# FastStream 0.5 re-exports the app test runner from each broker package.
from ..core.testing_app import TestApp  # noqa: E402

__all__ += ["TestApp"]

"""NATS: core subjects, queue groups and JetStream over nats-py."""

from ..core.extras import needs

with needs("nats", "nats"):
    from ..core.ack import AckPolicy
    from ..core.message import StreamMessage as NatsMessage
    from . import fastapi
    from .broker import NatsBroker, NatsPublisher, NatsRoute, NatsRouter
    from .response import NatsResponse
    from .specs import JStream, NatsSub, PullSub
    from .testing import TestNatsBroker

__all__ = [
    "AckPolicy",
    "JStream",
    "NatsBroker",
    "NatsMessage",
    "NatsResponse",
    "NatsRouter",
    "NatsSub",
    "PullSub",
    "TestNatsBroker",
    "fastapi",
]
__all__ += ["NatsPublisher", "NatsRoute"]

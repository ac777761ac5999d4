"""RabbitMQ: queues and exchanges over aio-pika."""

from ..core.extras import needs

with needs("rabbit", "aio_pika", "aiormq"):
    from ..core.ack import AckPolicy
    from ..core.message import StreamMessage as RabbitMessage
    from . import fastapi
    from .broker import RabbitBroker, RabbitPublisher, RabbitRoute, RabbitRouter
    from .reply import ReplyConfig
    from .response import RabbitResponse
    from .specs import ExchangeType, RabbitExchange, RabbitQueue
    from .testing import TestRabbitBroker

__all__ = [
    "AckPolicy",
    "ExchangeType",
    "RabbitBroker",
    "RabbitExchange",
    "RabbitMessage",
    "RabbitQueue",
    "RabbitResponse",
    "RabbitRouter",
    "ReplyConfig",
    "TestRabbitBroker",
    "fastapi",
]
__all__ += ["RabbitPublisher", "RabbitRoute"]

# FastStream 0.5 re-exports the app test runner from each broker package.
from ..core.testing_app import TestApp  # noqa: E402

__all__ += ["TestApp"]

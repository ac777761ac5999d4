"""Broker-agnostic machinery: message, codec, call plan, pipeline, testing."""

from .ack import AckPolicy
from .broker import Broker, Registry
from .context import Context, ContextRepo, Logger, context
from .errors import (
    BrokerConnectionError,
    ContextKeyError,
    FastStreamError,
    MessageDecodeError,
    MessageValidationError,
    NotConnectedError,
    PublishError,
    SetupError,
)
from .headers import Headers
from .message import Envelope, EnvelopeBatch, Settler, StreamMessage
from .middleware import Middleware
from .publisher import Publisher
from .response import Response
from .subscriber import Handler, Subscriber
from .testing import MemoryTransport, TestBroker
from .transport import Consumption, Transport

__all__ = [
    "AckPolicy",
    "Broker",
    "BrokerConnectionError",
    "Consumption",
    "Context",
    "ContextKeyError",
    "ContextRepo",
    "Envelope",
    "EnvelopeBatch",
    "FastStreamError",
    "Handler",
    "Headers",
    "Logger",
    "MemoryTransport",
    "MessageDecodeError",
    "MessageValidationError",
    "Middleware",
    "NotConnectedError",
    "PublishError",
    "Publisher",
    "Registry",
    "Response",
    "Settler",
    "SetupError",
    "StreamMessage",
    "Subscriber",
    "TestBroker",
    "Transport",
    "context",
]

"""The exceptions of the package, by the names FastStream 0.5 code imports."""

from .core.control import (
    AckMessage,
    HandlerException,
    IgnoredException,
    NackMessage,
    RejectMessage,
    SkipMessage,
    StopConsume,
    SubscriberNotFound,
)
from .core.errors import (
    BrokerConnectionError,
    ContextKeyError,
    FastStreamError,
    MessageDecodeError,
    MessageNotJSONError,
    MessageTooLargeError,
    MessageValidationError,
    NotConnectedError,
    PublishError,
    SetupError,
)

#: FastStream 0.5's name for the base class.
FastStreamException = FastStreamError

__all__ = [
    "AckMessage",
    "BrokerConnectionError",
    "ContextKeyError",
    "FastStreamError",
    "FastStreamException",
    "HandlerException",
    "IgnoredException",
    "MessageDecodeError",
    "MessageNotJSONError",
    "MessageTooLargeError",
    "MessageValidationError",
    "NackMessage",
    "NotConnectedError",
    "PublishError",
    "RejectMessage",
    "SetupError",
    "SkipMessage",
    "StopConsume",
    "SubscriberNotFound",
]

"""Exceptions a handler raises to steer its message, not to report a failure.

Raised anywhere in a handler, a dependency or a middleware's ``consume``,
they end the delivery as they say, without an error log and, under a test
broker, without reaching ``publish``:

- ``AckMessage``, ``NackMessage``, ``RejectMessage``: settle the message so,
  whatever the ack policy (keywords given to them are kept in
  ``extra_options``; the transports take none);
- ``SkipMessage``: leave the message unsettled (the broker redelivers it as
  it would an unacknowledged one);
- ``StopConsume``: settle the message as a failure would be, then stop the
  subscriber (the broker and its other subscribers go on).
"""

from __future__ import annotations

from typing import Any

from .errors import FastStreamError
from .message import Settlement


class IgnoredException(FastStreamError):
    """Base of the exceptions the pipeline takes as instructions, not failures."""


class StopConsume(IgnoredException):
    """Stop the subscriber whose handler raised it."""

    def __str__(self) -> str:
        return "the subscriber was stopped"


class HandlerException(IgnoredException):
    """Base of the instructions about the message being handled."""

    #: How the message is settled; ``None``: it is left as it is.
    settlement: Settlement | None = None

    #: What ``str()`` of it says: "the message was <done>".
    done = "skipped"

    def __init__(self, **extra_options: Any) -> None:
        super().__init__()
        self.extra_options = extra_options

    def __str__(self) -> str:
        return f"the message was {self.done}"


class SkipMessage(HandlerException):
    """Leave the message unsettled and end the delivery."""


class AckMessage(HandlerException):
    """Acknowledge the message now and end the delivery."""

    settlement = "ack"
    done = "acknowledged"


class NackMessage(HandlerException):
    """Negatively acknowledge (redeliver) the message now and end the delivery."""

    settlement = "nack"
    done = "nacked"


class RejectMessage(HandlerException):
    """Reject (drop or dead-letter) the message now and end the delivery."""

    settlement = "reject"
    done = "rejected"


class SubscriberNotFound(FastStreamError):
    """No handler of a subscription accepted the message (every ``filter=`` said no)."""

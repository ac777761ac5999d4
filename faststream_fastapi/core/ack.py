"""When a delivery is acknowledged, and what happens to it on failure."""

from __future__ import annotations

from enum import Enum

from .errors import MessageDecodeError, MessageValidationError
from .message import Settlement


class AckPolicy(str, Enum):
    """Per-subscriber settlement rule.

    Malformed or invalid messages are always rejected (never requeued), except
    under ``MANUAL`` (the handler never ran, so nothing is settled) and
    ``ACK_FIRST`` (already acknowledged on receipt).
    """

    #: Ack on receipt, before the handler: at-most-once.
    ACK_FIRST = "ack_first"
    #: Ack after the handler, whether it succeeded or raised.
    ACK = "ack"
    #: Ack on success; reject (drop or dead-letter) when the handler raises.
    REJECT_ON_ERROR = "reject_on_error"
    #: Ack on success; nack (redeliver) when the handler raises.
    NACK_ON_ERROR = "nack_on_error"
    #: The handler settles the message itself through ``message.ack()`` etc.
    MANUAL = "manual"


def settlement_after(policy: AckPolicy, error: BaseException | None) -> Settlement | None:
    """How a subscriber settles a message once its pipeline ended, ``None`` for not at all.

    ``error`` is what the pipeline raised. A settlement made earlier (``ACK_FIRST``,
    or the handler's own ``message.ack()``) wins: settling is idempotent.
    """
    if policy is AckPolicy.MANUAL:
        return None
    if error is None:
        return "ack"
    if isinstance(error, (MessageDecodeError, MessageValidationError)):
        return "reject"
    if policy is AckPolicy.NACK_ON_ERROR:
        return "nack"
    if policy is AckPolicy.REJECT_ON_ERROR:
        return "reject"
    if policy is AckPolicy.ACK:
        return "ack"
    return None  # ACK_FIRST: acknowledged on receipt

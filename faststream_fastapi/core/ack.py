"""When a delivery is acknowledged, and what happens to it on failure: one table."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .errors import MessageDecodeError, MessageValidationError
from .message import Settlement


class AckPolicy(str, Enum):
    """Per-subscriber settlement rule (see ``RULES``).

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


@dataclass(frozen=True, slots=True)
class Rule:
    """What one policy settles a message with, per outcome (``None``: nothing)."""

    #: On receipt, before the handler runs.
    receipt: Settlement | None
    #: After the handler returned.
    success: Settlement | None
    #: After the handler (or a middleware, or the size guard) raised.
    error: Settlement | None
    #: After the message proved malformed or invalid (another try fails the same way).
    invalid: Settlement | None
    #: Whether a failure may be republished (``max_retries``, ``dead_letter``) and
    #: the original acked instead; never when the handler or receipt settles.
    redirects: bool

    def after(self, error: BaseException | None) -> Settlement | None:
        """The settlement once the pipeline ended, having raised ``error`` (or not)."""
        if error is None:
            return self.success
        if isinstance(error, (MessageDecodeError, MessageValidationError)):
            return self.invalid
        return self.error


#: The settlement rules: one row per policy, one column per outcome. A new policy is a new row.
RULES: dict[AckPolicy, Rule] = {
    AckPolicy.ACK_FIRST: Rule("ack", None, None, None, redirects=False),
    AckPolicy.ACK: Rule(None, "ack", "ack", "reject", redirects=True),
    AckPolicy.REJECT_ON_ERROR: Rule(None, "ack", "reject", "reject", redirects=True),
    AckPolicy.NACK_ON_ERROR: Rule(None, "ack", "nack", "reject", redirects=True),
    AckPolicy.MANUAL: Rule(None, None, None, None, redirects=False),
}


def settlement_after(policy: AckPolicy, error: BaseException | None) -> Settlement | None:
    """How a subscriber settles a message once its pipeline ended, ``None`` for not at all.

    ``error`` is what the pipeline raised. A settlement made earlier (``ACK_FIRST``,
    or the handler's own ``message.ack()``) wins: settling is idempotent.
    """
    return RULES[policy].after(error)

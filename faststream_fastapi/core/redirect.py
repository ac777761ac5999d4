"""Failed messages sent on: bounded retries, then the dead letter."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Protocol

from .message import StreamMessage
from .views import Named

if TYPE_CHECKING:
    from .ports import Outlet, SubscriberOwner
    from .views import Spec


class Redirecting(Named, Protocol):
    """What ``redirect`` reads and counts on a subscriber."""

    retried: int
    dead_lettered: int
    spec: Spec
    max_retries: int | None
    retry_delay: float
    dead_letter: Outlet | None

    @property
    def broker(self) -> SubscriberOwner: ...


#: How many times a message was retried (``max_retries``), and why it was dead-lettered.
RETRIES_HEADER = "x-retries"
ERROR_HEADER = "x-error"
#: Not copied to a retry: a broker-level de-duplication id would make the copy vanish,
#: and the reply address travels on its own.
_NOT_COPIED = frozenset({"nats-msg-id", "reply_to", "correlation_id"})
#: JetStream's de-duplication header. A copy gets the original's id with a suffix of its
#: own, so a copy published twice (the original redelivered after the copy went out but
#: before its ack) is stored once, while it never collides with the original.
_DEDUP = "Nats-Msg-Id"


async def redirect(
    sub: Redirecting, message: StreamMessage, exc: BaseException, *, retry: bool
) -> bool:
    """Republish a copy of a failed message (a retry, else to the dead letter),
    then ack the original.

    True when the message was republished and acked; False leaves it to the ack
    policy (no retries or dead letter configured, or the republish failed).
    Only called for policies whose rule ``redirects``.
    """
    tries = _retries(message)
    headers = {k: v for k, v in message.headers.items() if k.lower() not in _NOT_COPIED}
    dedup = _dedup_id(message, tries)
    try:
        if retry and sub.max_retries is not None and tries < sub.max_retries:
            if sub.retry_delay:
                await asyncio.sleep(sub.retry_delay)
            root = sub.broker.root()
            headers[RETRIES_HEADER] = str(tries + 1)
            if dedup is not None:
                headers[_DEDUP] = f"{dedup}.retry{tries + 1}"
            await root.send(
                message.body,
                root.retry_spec(sub.spec, message),
                headers=headers,
                correlation_id=message.correlation_id,
                reply_to=message.reply_to,
            )
            sub.retried += 1
        elif sub.dead_letter is not None:
            headers[RETRIES_HEADER] = str(tries)
            headers[ERROR_HEADER] = type(exc).__name__
            if dedup is not None:
                headers[_DEDUP] = f"{dedup}.dead"
            await sub.dead_letter.publish(
                message.body, headers=headers, correlation_id=message.correlation_id
            )
            sub.dead_lettered += 1
            sub.broker.logger.warning(
                "%s: message dead-lettered to %s after %d retries (%s)",
                sub.name,
                sub.dead_letter.name,
                tries,
                type(exc).__name__,
                extra=log_extra(message, sub.name),
            )
        else:
            return False
    except Exception as failure:
        sub.broker.logger.error(
            "%s: could not republish a failed message (%s); settling it by the ack policy",
            sub.name,
            type(failure).__name__,
            extra=log_extra(message, sub.name),
        )
        return False
    await message.ack()
    return True


def _dedup_id(message: StreamMessage, tries: int) -> str | None:
    """The original's de-duplication id, without the suffix of an earlier retry."""
    for name, value in message.headers.items():
        if name.lower() == "nats-msg-id":
            return value.removesuffix(f".retry{tries}") if tries else value
    return None


def _retries(message: StreamMessage) -> int:
    try:
        return max(0, int(message.headers.get(RETRIES_HEADER) or 0))
    except ValueError:
        return 0


def log_extra(message: StreamMessage, destination: str) -> dict[str, Any]:
    """The fields a log record about ``message`` carries (never the payload)."""
    return {
        "message_id": message.message_id,
        "correlation_id": message.correlation_id,
        "destination": destination,
    }

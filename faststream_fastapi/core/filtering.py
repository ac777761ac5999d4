"""Several handlers on one subscription, chosen per message by ``filter=``.

A subscriber declared on the same subscription (same broker or router, equal
spec) as one that has a filter, or declared with a filter itself next to an
existing one, joins it: the first becomes the *lead*, whose consumption
receives the messages, and the others its *members*. Per message, each
handler's filter is asked in declaration order and the first that accepts the
message (or has no filter) handles it through its own pipeline. When none
does, the error is logged once and the message settled as the lead's ack
policy settles a failure.

Subscriptions without ``filter=`` never reach this module: their consumption
calls the pipeline directly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from .ack import RULES
from .custom import Filter, as_async
from .message import Deliver, StreamMessage
from .redirect import log_extra

if TYPE_CHECKING:
    from .ack import AckPolicy
    from .ports import Spec
    from .views import Logs


class Grouped(Protocol):
    """What this module reads and links of a subscriber."""

    spec: Spec
    filter: Filter | None
    lead: Any
    members: list[Any]

    @property
    def name(self) -> str: ...

    @property
    def ack_policy(self) -> AckPolicy: ...

    @property
    def broker(self) -> Logs: ...

    def prepare(self) -> Deliver: ...


def join_group(declared: Sequence[Grouped], sub: Grouped) -> None:
    """Make ``sub`` a member of the group of its subscription in ``declared``, if any."""
    for other in declared:
        if other.lead is None and other.spec == sub.spec:
            if sub.filter is not None or other.filter is not None or other.members:
                sub.lead = other
                other.members.append(sub)
            return


def dispatching(lead: Grouped, deliver: Deliver) -> Deliver:
    """The deliver callable of a group: ask each filter, hand to the first that accepts."""
    handlers: list[tuple[Callable[[StreamMessage], Awaitable[Any]] | None, Deliver]] = [
        (as_async(lead.filter) if lead.filter is not None else None, deliver)
    ]
    handlers += [
        (as_async(m.filter) if m.filter is not None else None, m.prepare()) for m in lead.members
    ]
    settlement = RULES[lead.ack_policy].error
    name = lead.name

    async def dispatch(message: StreamMessage) -> None:
        for accepts, handle in handlers:
            if accepts is not None:
                try:
                    if not await accepts(message):
                        continue
                except Exception as exc:  # the message cannot be placed
                    lead.broker.logger.error(
                        "%s: a filter raised %s",
                        name,
                        type(exc).__name__,
                        exc_info=exc,
                        extra=log_extra(message, name),
                    )
                    break
            await handle(message)
            return
        else:
            lead.broker.logger.error(
                "%s: no handler accepted the message (every filter= declined it)",
                name,
                extra=log_extra(message, name),
            )
        if settlement is not None:
            await message.settle(settlement)

    return dispatch

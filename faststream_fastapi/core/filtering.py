"""Several handlers on one subscription, chosen per message by ``filter=``.

A subscriber declared on the same subscription (same broker or router, equal
spec) as one that has a filter, or declared with a filter itself next to an
existing one, joins it, as does each handler after the first decorated by one
``subscriber(...)`` result (FastStream 0.5's ``sub = broker.subscriber(...)``,
``@sub(filter=...)``, ``@sub``): the first becomes the *lead*, whose consumption
receives the messages, and the others its *members*. Per message, each
handler's filter is asked in declaration order and the first that accepts the
message (or has no filter) handles it through its own pipeline. When none
does, the error is logged once and the message settled as the lead's ack
policy settles a failure (acknowledged under ``ACK_FIRST``).

Other subscriptions never reach this module: their consumption calls the
pipeline directly.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol, overload

from .ack import RULES
from .custom import Filter, as_async
from .errors import SetupError
from .handler import Handler
from .message import Deliver, StreamMessage
from .options import SubscriberConfig
from .pulling import Puller
from .redirect import log_extra

if TYPE_CHECKING:
    from .ack import AckPolicy
    from .views import Logs, Spec


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


def join_group(declared: Sequence[Grouped], sub: Grouped, lead: Grouped | None = None) -> None:
    """Make ``sub`` a member of ``lead``'s group, or of the group of its subscription in
    ``declared`` if any."""
    if lead is not None:
        sub.lead = lead
        lead.members.append(sub)
        return
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
    rule = RULES[lead.ack_policy]
    settlement = rule.receipt or rule.error  # ``ACK_FIRST``: acked all the same
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


#: What ``@sub(...)`` may set per handler; ``middlewares`` and ``dependencies`` add to
#: the subscription's.
HANDLER_KEYWORDS = frozenset({"filter", "parser", "decoder", "middlewares", "dependencies"})

_DECLARED = itertools.count()

Declare = Callable[[Any, SubscriberConfig, Callable[..., Any], Any], Handler]


class SubscriberDecorator:
    """What ``subscriber(...)`` returns: ``@sub`` or ``@sub(filter=..., ...)`` on a handler.

    Every handler after the first it decorates is another handler of the same
    subscription, tried in order (see the module). Left without a handler, it
    pulls: ``await sub.get_one(timeout=...)`` (see ``pulling``).
    """

    __slots__ = ("_config", "_declare", "_lead", "_owner", "_spec", "order", "puller")

    def __init__(
        self, declare: Declare, spec: Any, config: SubscriberConfig, owner: Any = None
    ) -> None:
        self._declare, self._spec, self._config = declare, spec, config
        self._lead: Any = None
        #: The broker or router it was declared on, and its ``get_one`` source.
        self._owner = owner
        self.puller: Puller | None = None
        #: When it was declared, among all declarations: its subscriber takes this place
        #: in its registry (stacked decorators apply bottom first, but are declared
        #: top first, and FastStream 0.5 listed them so).
        self.order = next(_DECLARED)

    @property
    def spec(self) -> Any:
        return self._spec

    @property
    def config(self) -> SubscriberConfig:
        return self._config

    @property
    def handled(self) -> bool:
        return self._lead is not None

    async def get_one(self, *, timeout: float = 5.0) -> StreamMessage | None:
        """The next message of this handler-less subscription, or ``None`` when none
        came within ``timeout`` seconds; returned unsettled (see ``pulling``)."""
        assert self._lead is None, "get_one() is for a subscriber without handlers"
        puller = self.puller
        if puller is None:
            root = self._owner.root()
            assert root.running, "start the broker before get_one()"
            puller = await root.pulls.open(self, root.transport)
        return await puller.get_one(timeout)

    @overload
    def __call__(self, func: Callable[..., Any], /) -> Handler: ...

    @overload
    def __call__(self, /, **options: Any) -> Callable[[Callable[..., Any]], Handler]: ...

    def __call__(
        self, func: Callable[..., Any] | None = None, /, **options: Any
    ) -> Handler | Callable[[Callable[..., Any]], Handler]:
        if func is not None:
            return self._add(func, options)
        unknown = sorted(set(options) - HANDLER_KEYWORDS)
        if unknown:
            raise TypeError(f"a subscriber's handler got an unexpected keyword {unknown[0]!r}")
        return lambda f: self._add(f, options)

    @property
    def subscriber(self) -> Any:
        """The subscription's (lead) subscriber, once a handler was decorated."""
        if self._lead is None:
            raise SetupError("this subscriber has no handler yet: decorate one first")
        return self._lead

    async def start(self) -> None:
        """Start consuming now: a subscriber declared on a running broker (0.5's
        ``broker.setup_subscriber(sub)``, then ``await sub.start()``)."""
        await self.subscriber.start()
        await self.subscriber.ready()

    async def close(self) -> None:
        """Stop consuming (the broker's ``close`` would too)."""
        await self.subscriber.stop()

    def _add(self, func: Callable[..., Any], options: dict[str, Any]) -> Handler:
        config = self._config
        if options:
            extra: dict[str, Any] = {
                k: (*getattr(config, k), *v) if k in ("middlewares", "dependencies") else v
                for k, v in options.items()
            }
            config = replace(config, **extra)
        handler = self._declare(self._spec, config, func, self._lead)
        if self._lead is None:
            self._lead = handler.subscribers[-1]
            place = getattr(self._owner, "place_subscriber", None)
            if place is not None:
                place(self._lead, self.order)
        return handler

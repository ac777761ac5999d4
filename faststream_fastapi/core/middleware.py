"""The middleware seam: wrap consuming and publishing, broker-wide.

A middleware sees its broker and subscriber as ``BrokerView`` and
``SubscriberView``: it sits below both and imports neither.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from .ack import AckPolicy
from .message import Envelope, StreamMessage
from .views import Logs, Named

CallNext = Callable[[StreamMessage], Awaitable[Any]]
PublishNext = Callable[[Envelope], Awaitable[Any]]

T = TypeVar("T")
Next = Callable[[T], Awaitable[Any]]
Wrap = Callable[[T, Next[T]], Awaitable[Any]]


class BrokerView(Logs, Protocol):
    """What a middleware sees of a broker (``for_broker``, a subscriber's ``broker``)."""


class SubscriberView(Named, Protocol):
    """What a middleware sees of the subscriber it is bound to (``for_subscriber``)."""

    @property
    def ack_policy(self) -> AckPolicy: ...

    @property
    def broker(self) -> BrokerView: ...


class Middleware:
    """Override ``consume`` and/or ``publish``; call ``call_next`` to go on.

    ``consume`` wraps decoding, dependencies and the handler of one message;
    what it returns is what gets published. ``publish`` wraps every outgoing
    envelope, replies included.
    """

    async def consume(self, message: StreamMessage, call_next: CallNext) -> Any:
        return await call_next(message)

    async def publish(self, envelope: Envelope, call_next: PublishNext) -> Any:
        return await call_next(envelope)

    def for_subscriber(self, subscriber: SubscriberView) -> Middleware:
        """The middleware that wraps ``subscriber``'s messages; ``self`` by default.

        Called whenever the subscriber's pipeline is built (registration,
        router include, start), so per-subscriber state can be bound once.
        """
        return self

    def for_broker(self, broker: BrokerView) -> Middleware:
        """The middleware that wraps ``broker``'s publishes; ``self`` by default."""
        return self


def chain_consume(middlewares: tuple[Middleware, ...], inner: CallNext) -> CallNext:
    """``inner`` wrapped in the middlewares' ``consume``, the first outermost."""
    return _chain([mw.consume for mw in middlewares], inner)


def chain_publish(middlewares: tuple[Middleware, ...], inner: PublishNext) -> PublishNext:
    """``inner`` wrapped in the middlewares' ``publish``, the first outermost."""
    return _chain([mw.publish for mw in middlewares], inner)


def _chain(wraps: list[Wrap[T]], inner: Next[T]) -> Next[T]:
    call = inner
    for wrap in reversed(wraps):
        call = _bind(wrap, call)
    return call


def _bind(wrap: Wrap[T], nxt: Next[T]) -> Next[T]:
    # A plain function handing back the middleware's coroutine: an ``async``
    # wrapper would add a coroutine per middleware to every message.
    def step(item: T) -> Awaitable[Any]:
        return wrap(item, nxt)

    return step

"""The middleware seam: wrap consuming and publishing, broker-wide.

A middleware sees its broker and subscriber as ``BrokerView`` and
``SubscriberView``: it sits below both and imports neither.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from .ack import AckPolicy
from .message import Envelope, EnvelopeBatch, StreamMessage
from .views import Logs, Named

CallNext = Callable[[StreamMessage], Awaitable[Any]]
PublishNext = Callable[[Envelope], Awaitable[Any]]
BatchNext = Callable[[EnvelopeBatch], Awaitable[list[Any]]]

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
    envelope, replies included. ``publish_batch`` wraps a batch published in one
    go (``publish_batch(...)``, a batch publisher), once for all its envelopes.

    A batch goes through the chain as a batch when every middleware that
    overrides ``publish`` overrides ``publish_batch`` too; otherwise it is
    published message by message, each through ``publish`` (see ``batch_ready``).
    """

    async def consume(self, message: StreamMessage, call_next: CallNext) -> Any:
        return await call_next(message)

    async def publish(self, envelope: Envelope, call_next: PublishNext) -> Any:
        return await call_next(envelope)

    async def publish_batch(self, batch: EnvelopeBatch, call_next: BatchNext) -> list[Any]:
        """Around a batch sent in one go; returns a result per envelope."""
        return await call_next(batch)

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


def batch_ready(middleware: Middleware) -> bool:
    """Whether a batch may pass ``middleware`` as one: it overrides ``publish_batch``,
    or it does not override ``publish`` (it has nothing to do on a publish)."""
    kind = type(middleware)
    return kind.publish_batch is not Middleware.publish_batch or kind.publish is Middleware.publish


def chain_publish_batch(middlewares: tuple[Middleware, ...], inner: BatchNext) -> BatchNext:
    """``inner`` wrapped in the middlewares' ``publish_batch`` (those that override it),
    the first outermost; every one of them must be ``batch_ready``."""
    wraps: list[Wrap[EnvelopeBatch]] = [
        mw.publish_batch
        for mw in middlewares
        if type(mw).publish_batch is not Middleware.publish_batch
    ]
    return _chain(wraps, inner)


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

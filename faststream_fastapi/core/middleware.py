"""The middleware seam: wrap consuming and publishing, broker-wide."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .message import Envelope, StreamMessage

if TYPE_CHECKING:
    from .broker import Broker
    from .subscriber import Subscriber

CallNext = Callable[[StreamMessage], Awaitable[Any]]
PublishNext = Callable[[Envelope], Awaitable[Any]]


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

    def for_subscriber(self, subscriber: Subscriber) -> Middleware:
        """The middleware that wraps ``subscriber``'s messages; ``self`` by default.

        Called whenever the subscriber's pipeline is built (registration,
        router include, start), so per-subscriber state can be bound once.
        """
        return self

    def for_broker(self, broker: Broker) -> Middleware:
        """The middleware that wraps ``broker``'s publishes; ``self`` by default."""
        return self


def chain_consume(middlewares: tuple[Middleware, ...], inner: CallNext) -> CallNext:
    call = inner
    for mw in reversed(middlewares):
        call = _bind_consume(mw, call)
    return call


def _bind_consume(mw: Middleware, nxt: CallNext) -> CallNext:
    consume = mw.consume

    # A plain function handing back the middleware's coroutine: an ``async``
    # wrapper would add a coroutine per middleware to every message.
    def step(message: StreamMessage) -> Awaitable[Any]:
        return consume(message, nxt)

    return step


def chain_publish(middlewares: tuple[Middleware, ...], inner: PublishNext) -> PublishNext:
    call = inner
    for mw in reversed(middlewares):
        call = _bind_publish(mw, call)
    return call


def _bind_publish(mw: Middleware, nxt: PublishNext) -> PublishNext:
    publish = mw.publish

    def step(envelope: Envelope) -> Awaitable[Any]:
        return publish(envelope, nxt)

    return step

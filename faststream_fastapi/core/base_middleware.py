"""FastStream 0.5's middleware forms, run on the package's own seam (``middleware.py``).

``BaseMiddleware`` is 0.5's class: a broker, router or subscriber given the
*class* (``middlewares=[MyMiddleware]``) makes one instance per message
(``MyMiddleware(raw_message)``) and per publish (``MyMiddleware(None)``),
and calls its hooks: ``on_receive``/``after_processed`` around the whole
delivery, ``consume_scope`` (``on_consume``, ``after_consume``) around the
handler, ``publish_scope`` (``on_publish``, ``after_publish``) around each
publish with the *decoded* body, re-encoded when a hook changed it; around a
batch published in one go, once, with every body (``msg, *args``), as 0.5. The
publishes of a handler's result (to its ``@publisher`` destinations, the reply) go
through the instance made for the message it handled, as in 0.5; any other publish
makes its own. A plain
``async def mw(call_next, message)`` is a consume-only middleware; in a
publisher's ``middlewares=``, ``async def mw(call_next, msg, **kwargs)`` is
0.5's publish-only form (``as_publish_middleware``).

``as_middleware`` turns any of these into a ``Middleware``; a ``Middleware``
instance is used as it is, so none of this runs for the package's own form.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from types import TracebackType
from typing import Any

from . import codec
from .errors import SetupError
from .message import CONTENT_TYPE, Envelope, EnvelopeBatch, StreamMessage
from .middleware import BatchNext, CallNext, Middleware, PublishNext

#: What ``middlewares=`` takes: ours, a ``BaseMiddleware`` class (or any factory of
#: one), or an ``async def (call_next, message)`` function.
AnyMiddleware = Middleware | Callable[..., Any]


class BaseMiddleware:
    """FastStream 0.5's middleware: override the hooks you need."""

    def __init__(self, msg: Any | None = None) -> None:
        #: The client library's message (``None`` for a publish).
        self.msg = msg

    async def on_receive(self) -> None:
        """Called when a message arrives, before anything else."""

    async def after_processed(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> bool | None:
        """Called when the delivery ended; returning True swallows its error."""
        return False

    async def __aenter__(self) -> BaseMiddleware:
        await self.on_receive()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> bool | None:
        return await self.after_processed(exc_type, exc_val, exc_tb)

    async def on_consume(self, msg: StreamMessage) -> StreamMessage:
        """The message the handler gets (this one, by default)."""
        return msg

    async def after_consume(self, err: Exception | None) -> None:
        """Called after the handler; raises ``err`` on by default."""
        if err is not None:
            raise err

    async def consume_scope(self, call_next: CallNext, msg: StreamMessage) -> Any:
        """Around the handler: ``on_consume``, the call, ``after_consume``."""
        err: Exception | None = None
        try:
            return await call_next(await self.on_consume(msg))
        except Exception as exc:
            err = exc
            raise
        finally:
            await self.after_consume(err)

    async def on_publish(self, msg: Any, *args: Any, **kwargs: Any) -> Any:
        """The body to publish (this one, by default); ``kwargs`` say where and how."""
        return msg

    async def after_publish(self, err: Exception | None) -> None:
        """Called after a publish; raises ``err`` on by default."""
        if err is not None:
            raise err

    async def publish_scope(
        self, call_next: Callable[..., Awaitable[Any]], msg: Any, *args: Any, **kwargs: Any
    ) -> Any:
        """Around a publish: ``on_publish``, the publish, ``after_publish``."""
        err: Exception | None = None
        try:
            return await call_next(await self.on_publish(msg, *args, **kwargs), *args, **kwargs)
        except Exception as exc:
            err = exc
            raise
        finally:
            await self.after_publish(err)


def as_middleware(middleware: AnyMiddleware) -> Middleware:
    """``middleware`` as the package's ``Middleware`` (see the module)."""
    if isinstance(middleware, Middleware):
        return middleware
    if inspect.iscoroutinefunction(middleware):
        return _ConsumeFunction(middleware)
    if callable(middleware):
        return _PerMessage(middleware)
    raise SetupError(f"{middleware!r} is not a middleware")


class _ConsumeFunction(Middleware):
    """``async def mw(call_next, message)``: around the handler only."""

    def __init__(self, func: Callable[[CallNext, StreamMessage], Awaitable[Any]]) -> None:
        self.func = func

    async def consume(self, message: StreamMessage, call_next: CallNext) -> Any:
        return await self.func(call_next, message)


#: The message whose handler's result is being published (set around that publish
#: for subscribers with middlewares only, see ``answering``).
_answering: ContextVar[StreamMessage | None] = ContextVar(
    "faststream_fastapi_answering", default=None
)

PublishResult = Callable[[StreamMessage, Any], Awaitable[None]]


def answering(publish: PublishResult, middlewares: tuple[Middleware, ...]) -> PublishResult:
    """``publish`` (of a handler's result) marked as the answer to its message: a
    ``BaseMiddleware`` class's instance made for that message wraps it (0.5's form).
    Without such a class among ``middlewares``, ``publish`` as it is: nothing per message."""
    if not any(isinstance(mw, _PerMessage) for mw in middlewares):
        return publish

    async def publish_answer(message: StreamMessage, result: Any) -> None:
        token = _answering.set(message)
        try:
            await publish(message, result)
        finally:
            _answering.reset(token)

    return publish_answer


class _PerMessage(Middleware):
    """A ``BaseMiddleware`` class: an instance per message and per publish; the
    publishes of a handler's result go through the instance of its message."""

    def __init__(self, factory: Callable[[Any], BaseMiddleware]) -> None:
        self.factory = factory
        #: The message in hand and the instance made for it.
        self.delivering: ContextVar[tuple[StreamMessage, BaseMiddleware] | None] = ContextVar(
            f"faststream_fastapi_middleware_{id(self)}", default=None
        )

    async def consume(self, message: StreamMessage, call_next: CallNext) -> Any:
        mw = self.factory(message.raw if message.raw is not None else message)
        token = self.delivering.set((message, mw))
        try:
            await mw.__aenter__()
            try:
                result = await mw.consume_scope(call_next, message)
            except BaseException as exc:
                if not await mw.__aexit__(type(exc), exc, exc.__traceback__):
                    raise
                return None
            await mw.__aexit__(None, None, None)
            return result
        finally:
            self.delivering.reset(token)

    async def publish(self, envelope: Envelope, call_next: PublishNext) -> Any:
        # A handler's result goes through the instance made for the message it handled.
        bound = self.delivering.get()
        answer = bound is not None and bound[0] is _answering.get()
        mw = bound[1] if bound is not None and answer else self.factory(None)
        return await publish_decoded(envelope, call_next, mw.publish_scope)

    async def publish_batch(self, batch: EnvelopeBatch, call_next: BatchNext) -> list[Any]:
        return await publish_decoded_batch(batch, call_next, self.factory(None).publish_scope)


class _PublishFunction(Middleware):
    """A publisher's ``async def mw(call_next, msg, **kwargs)``: around its publishes."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func

    async def publish(self, envelope: Envelope, call_next: PublishNext) -> Any:
        return await publish_decoded(envelope, call_next, self.func)

    async def publish_batch(self, batch: EnvelopeBatch, call_next: BatchNext) -> list[Any]:
        return await publish_decoded_batch(batch, call_next, self.func)


def as_publish_middleware(middleware: AnyMiddleware) -> Middleware:
    """A publisher's ``middlewares=`` item as a ``Middleware``: ours as it is, a
    ``BaseMiddleware`` class by its ``publish_scope``, a function as one."""
    if isinstance(middleware, Middleware):
        return middleware
    if not callable(middleware):
        raise SetupError(f"{middleware!r} is not a publisher middleware")
    if isinstance(middleware, type) and issubclass(middleware, BaseMiddleware):
        return _PerMessage(middleware)
    return _PublishFunction(middleware)


async def publish_decoded(
    envelope: Envelope, call_next: PublishNext, scope: Callable[..., Awaitable[Any]]
) -> Any:
    """``scope(publish, body, **where)`` with the decoded body (0.5's ``publish_scope``
    form); ``publish`` encodes the body again if the scope changed it."""
    body = codec.decode(envelope.body, envelope.headers.get(CONTENT_TYPE))

    async def publish(msg: Any, *args: Any, **kwargs: Any) -> Any:
        envelope.headers = dict(kwargs.get("headers") or envelope.headers)
        envelope.correlation_id = kwargs.get("correlation_id", envelope.correlation_id)
        if msg is not body:  # a hook changed the body: encode it again
            envelope.body, content_type = codec.encode(msg)
            if content_type is not None:
                envelope.headers[CONTENT_TYPE] = content_type
        return await call_next(envelope)

    return await scope(
        publish,
        body,
        destination=envelope.destination,
        headers=dict(envelope.headers),
        correlation_id=envelope.correlation_id,
        reply_to=envelope.reply_to,
    )


async def publish_decoded_batch(
    batch: EnvelopeBatch, call_next: BatchNext, scope: Callable[..., Awaitable[Any]]
) -> list[Any]:
    """``scope(publish, *bodies, **where)`` once for a batch, as 0.5 calls ``publish_scope``
    for ``publish_batch``: every decoded body, and the batch's headers. ``publish``
    encodes again the bodies the scope changed and gives each message the headers it
    passes on (with the message's own content type)."""
    envelopes = batch.envelopes
    if not envelopes:
        return await call_next(batch)
    first = envelopes[0]
    bodies = [codec.decode(e.body, e.headers.get(CONTENT_TYPE)) for e in envelopes]

    async def publish(*msgs: Any, **kwargs: Any) -> list[Any]:
        headers = kwargs.get("headers")
        correlation_id = kwargs.get("correlation_id", first.correlation_id)
        sent: list[Envelope] = []
        for i, msg in enumerate(msgs):
            if i < len(envelopes):
                envelope = envelopes[i]
            else:  # the scope added one: addressed as the others
                envelope = dataclasses.replace(first, headers=dict(first.headers))
            content_type = envelope.headers.get(CONTENT_TYPE)
            if i >= len(bodies) or msg is not bodies[i]:
                envelope.body, content_type = codec.encode(msg)
            if headers is not None:
                envelope.headers = {k: v for k, v in headers.items() if k != CONTENT_TYPE}
            if content_type is not None:
                envelope.headers[CONTENT_TYPE] = content_type
            envelope.correlation_id = correlation_id
            sent.append(envelope)
        batch.envelopes = sent
        return await call_next(batch)

    result: list[Any] = await scope(
        publish,
        *bodies,
        destination=first.destination,
        headers=dict(first.headers),
        correlation_id=first.correlation_id,
        reply_to=first.reply_to,
    )
    return result

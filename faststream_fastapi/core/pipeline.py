"""A subscriber's delivery pipeline, compiled at start from only the stages it needs.

``compile_delivery`` returns the one callable a transport calls per message,
in production and under ``Test<B>Broker`` alike. The stages, in order, each
present only when the subscriber needs it:

1. context: ``current_message`` is set for the delivery (always), and the
   broker's logger told ``Received`` / ``Processed`` at the broker's
   ``log_level`` (unless that level is off for the logger when the
   subscriber starts, see ``logs.access_log``);
2. path match: the destination's ``{name}`` parts into ``message.path``;
3. receipt: settled on receipt (``ACK_FIRST``, see ``ack.RULES``);
4. size guard: a body over ``max_message_bytes`` fails undecoded;
5. middlewares, around the call;
6. a custom ``parser=``/``decoder=`` (``custom.py``), around the call;
7. call: the test broker's recording (``handler.mock``), the call plan (the
   one for the app's dependency overrides when it has any), the result
   published to the ``@publisher`` destinations and the reply-to (marked for the
   middlewares, ``base_middleware.answering``), background tasks handed on;
8. settlement by the policy's rule after success; on failure, the failure
   stage: log (never the payload), retry or dead-letter, else settle by the
   rule, and under a test broker raise the error on to ``publish``. A
   ``CancelledError`` that is not the subscriber's own stop is such a failure.
   A control exception (``AckMessage``, ``StopConsume``, ... see ``control.py``)
   is done as it says instead, unlogged.

A subscription whose handlers have ``filter=`` gets one more stage in front,
choosing the handler (``filtering.py``).

Every shape compiles into the same coroutine (``_delivery``); a stage a subscriber
lacks is a ``None`` it skips. The common shape (no middlewares, size limit, path
parameters or settlement on receipt, a handler the call plan runs straight-line,
``plan.fast``) runs the call inline: a consume loop awaits two coroutines per message,
this one and the handler's. Test-broker recording and raising cost no check per message.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from .ack import RULES, Rule
from .base_middleware import answering
from .callplan import FastCall, RunEnv
from .context import current_message
from .control import HandlerException, IgnoredException
from .custom import CustomDecoder, CustomParser, parsing_stage
from .errors import MessageDecodeError, MessageTooLargeError, MessageValidationError
from .logs import access_log
from .message import NO_SETTLER, Deliver, StreamMessage
from .middleware import CallNext, SubscriberView, chain_consume
from .redirect import Redirecting, log_extra, redirect
from .response import Response

if TYPE_CHECKING:
    from .background import Background
    from .callplan import CallPlan
    from .handler import Handler
    from .middleware import Middleware
    from .options import SubscriberConfig
    from .paths import PathPattern
    from .ports import AppBinding


class Delivering(Redirecting, SubscriberView, Protocol):
    """What the compiled pipeline reads (and counts) of its subscriber."""

    oversized: int
    handler: Handler
    config: SubscriberConfig
    plan: CallPlan
    pattern: PathPattern | None
    binding: AppBinding | None
    no_reply: bool
    background: Background
    stopping: bool

    def plan_for_now(self) -> CallPlan: ...

    def halt(self) -> None: ...


Failed = Callable[[StreamMessage, BaseException], Awaitable[None]]
PublishResult = Callable[[StreamMessage, Any], Awaitable[None]]


def compile_delivery(
    sub: Delivering,
    middlewares: tuple[Middleware, ...],
    env: RunEnv,
    *,
    limit: int | None,
    testing: bool,
    custom: tuple[CustomParser | None, CustomDecoder | None] = (None, None),
    recording: bool | None = None,
) -> Deliver:
    """The deliver callable of ``sub``: only the stages it needs (see the module).

    ``testing``: under an in-memory test broker, raise failures (after settling
    them) out of the transport's ``publish``. ``recording`` (default: ``testing``):
    record each message for ``handler.mock``, as a test broker does also with
    ``with_real=True``, where a real consume loop must go on after a failure.
    ``custom``: the ``parser=`` and ``decoder=`` in effect (the subscriber's,
    its router's or its broker's).
    """
    rule = RULES[sub.ack_policy]
    recording = testing if recording is None else recording
    record = sub.handler._mock.record if recording else None
    publish = answering(result_publisher(sub), middlewares)
    parser, decoder = custom
    call = _call_stage(sub, env, publish, record, decoded=decoder is not None)
    failed = _failure_stage(sub, rule, raise_failures=testing)
    fast = sub.plan.fast
    names = sub.pattern is not None and bool(sub.pattern.names)
    parsing = parsing_stage(parser, decoder)
    if parsing is not None:
        call = parsing(call)  # a custom parser/decoder, innermost: see ``custom.py``
    elif fast is not None and not middlewares and limit is None and not names and not rule.receipt:
        return _delivery(sub, rule, env, call, publish, failed, None, limit, fast, record, ())
    body = chain_consume(middlewares, call)
    return _delivery(sub, rule, env, call, publish, failed, body, limit, None, record, middlewares)


def _delivery(
    sub: Delivering,
    rule: Rule,
    env: RunEnv,
    call: CallNext,
    publish: PublishResult,
    failed: Failed,
    body: CallNext | None,
    limit: int | None,
    fast: FastCall | None,
    record: Callable[[StreamMessage], None] | None,
    middlewares: tuple[Middleware, ...],
) -> Deliver:
    """The one delivery coroutine: ``body`` (middlewares and the call) with the stages
    around it; for the common shape (``body`` None) ``FastCall.run``, inlined."""
    match = sub.pattern.match if sub.pattern is not None and sub.pattern.names else None
    receipt = rule.receipt is not None
    binding, settlement, failure = sub.binding, rule.success, _is_failure(sub)
    set_message, reset_message = current_message.set, current_message.reset
    arguments, deps, handler, env_kwargs = _inlined(fast, env, call, record)
    broker, no_settler = sub.broker, NO_SETTLER
    access, level = access_log(broker.logger, getattr(broker, "log_level", None), middlewares)

    async def deliver(message: StreamMessage) -> None:
        token = set_message(message)
        if access is not None:
            access.log(level, "Received")
        try:
            if match is not None:
                message.path = match(message.destination)
            if receipt:
                await settle_on_receipt(message)  # at-most-once: before the handler runs
            try:
                if body is not None:
                    if limit is not None and _size(message.body) > limit:
                        sub.oversized += 1
                        raise MessageTooLargeError(
                            f"message of {_size(message.body)} bytes is larger than "
                            f"max_message_bytes={limit}"
                        )
                    await body(message)
                # The app's overrides, looked up without a call once the app is known.
                elif binding is not None and (
                    app.dependency_overrides
                    if (app := binding.app) is not None
                    else binding.searching and binding.overrides()
                ):
                    await call(message)  # compiles (once) and runs the overridden plan
                else:
                    kwargs = env_kwargs.copy()
                    arguments(message, env, kwargs)
                    for name, dep in deps:  # ``FastCall.run``, inlined
                        value = await dep()
                        if name is not None:
                            kwargs[name] = value
                    result = await handler(**kwargs)
                    if result is not None or message.reply_to:
                        await publish(message, result)
                if settlement is not None and message.settled is None:
                    # ``message.settle_now``, inlined (``NO_SETTLER``: not even a call).
                    settler = message.settler
                    if settler is no_settler or settler.settle_now(message, settlement):
                        message.settled = settlement
                    else:
                        await message.settle(settlement)
            except BaseException as exc:
                if not failure(exc):
                    raise
                await failed(message, exc)
        finally:
            if access is not None:
                access.log(level, "Processed")
            reset_message(token)

    return deliver


Arguments = Callable[[StreamMessage, RunEnv, dict[str, Any]], None]


def _inlined(
    fast: FastCall | None,
    env: RunEnv,
    call: CallNext,
    record: Callable[[StreamMessage], None] | None,
) -> tuple[Arguments, tuple[Any, ...], Callable[..., Awaitable[Any]], dict[str, Any]]:
    """What the inlined ``FastCall.run`` reads (unread without ``fast``)."""
    if fast is None:
        return _no_arguments, (), call, {}
    arguments = fast.arguments if record is None else _recording(record, fast.arguments)
    return arguments, fast.deps, fast.call, fast.env_arguments(env)


def _no_arguments(message: StreamMessage, env: RunEnv, kwargs: dict[str, Any]) -> None:
    pass


async def settle_on_receipt(message: StreamMessage) -> None:
    """Ack before the handler, through the settler's ``ack_first``: the broker has
    the ack when this returns, even where acks are otherwise batched."""
    if message.settled is None:
        message.settled = "ack"
        await message.settler.ack_first(message)


def _call_stage(
    sub: Delivering,
    env: RunEnv,
    publish: PublishResult,
    record: Callable[[StreamMessage], None] | None,
    *,
    decoded: bool = False,
) -> CallNext:
    """The innermost stage, what middlewares wrap: run the plan, publish, schedule tasks.
    ``decoded``: a custom decoder ran; the handler's parameters are read from what
    it returned (``message.decoded()``), not from the body.
    """
    plan_for_now, schedule = sub.plan_for_now, sub.background.schedule
    if decoded:  # chosen here: a subscriber without a decoder pays nothing per message
        plan_of = plan_for_now

        def plan_for_now() -> Any:
            return _ReadsDecoded(plan_of())

    async def call(message: StreamMessage) -> Any:
        result, tasks = await plan_for_now().run(message, env)
        if result is not None or message.reply_to:
            await publish(message, result)
        if tasks is not None and tasks.tasks:
            schedule(tasks)  # after settlement: it runs once this delivery ends
        return result

    if record is None:
        return call

    def recorded(message: StreamMessage) -> Awaitable[Any]:
        record(message)
        return call(message)

    return recorded


def _recording(record: Callable[[StreamMessage], None], arguments: Arguments) -> Arguments:
    def recorded(message: StreamMessage, env: RunEnv, kwargs: dict[str, Any]) -> None:
        record(message)
        arguments(message, env, kwargs)

    return recorded


class _ReadsDecoded:
    """A plan whose ``run`` reads the parameters from what a custom decoder returned."""

    __slots__ = ("run",)

    def __init__(self, plan: Any) -> None:
        self.run = plan.run_decoded


_NO_OPTIONS: dict[str, Any] = {}


def result_publisher(sub: Delivering) -> PublishResult:
    """What publishes a handler's result: to its ``@publisher`` destinations and reply-to."""
    publishers = sub.handler.publishers
    no_reply, reply = sub.no_reply, sub.broker.root().reply
    reply_options = getattr(sub.spec, "reply_options", None)  # RabbitMQ's ``reply_config=``
    if reply_options:
        reply = functools.partial(reply, options=reply_options)

    async def publish(message: StreamMessage, result: Any) -> None:
        reply_to = None if no_reply else message.reply_to
        if result is None and not reply_to:
            return
        if isinstance(result, Response):
            body, headers, cid = result.body, result.headers, result.correlation_id
            options = result.options  # a ``<B>Response``'s, for the publishers
        else:
            body, headers, cid, options = result, None, None, _NO_OPTIONS
        cid = cid or message.correlation_id
        for publisher in publishers:
            await publisher.publish(body, headers=headers, correlation_id=cid, **options)
        if reply_to:
            # A request's own id goes back: it is what the requester matches replies by.
            await reply(
                message, body, headers=headers, correlation_id=message.correlation_id or cid
            )

    return publish


def _failure_stage(sub: Delivering, rule: Rule, *, raise_failures: bool) -> Failed:
    """Log a failure (without the payload), then retry, dead-letter or settle it by ``rule``;
    with ``raise_failures`` (a test broker) raise it on unless republished."""

    async def failed(message: StreamMessage, exc: BaseException) -> None:
        if isinstance(exc, IgnoredException):
            await _instructed(sub, rule, message, exc)
            return
        sub.handler._mock.fail(exc)  # for ``wait_call`` under a test broker; before any await
        logger = sub.broker.logger
        invalid = isinstance(exc, MessageDecodeError | MessageValidationError)
        if invalid:
            logger.error(
                "%s: rejected a message: %s", sub.name, exc, extra=log_extra(message, sub.name)
            )
        else:
            logger.error(
                "%s: handler %s raised %s",
                sub.name,
                sub.plan.name,
                type(exc).__name__,
                exc_info=exc,
                extra=log_extra(message, sub.name),
            )
        # Another try of an invalid message would fail the same way: straight to the dead letter.
        # Retried or dead-lettered counts as handled, also under a test broker.
        if rule.redirects and await redirect(sub, message, exc, retry=not invalid):
            return
        settlement = rule.after(exc)
        if settlement is not None:
            await message.settle(settlement)
        if raise_failures:
            raise exc

    return failed


async def _instructed(
    sub: Delivering, rule: Rule, message: StreamMessage, exc: IgnoredException
) -> None:
    """Do what a control exception (``control.py``) says; never logged as a failure."""
    if isinstance(exc, HandlerException):
        if exc.settlement is not None:
            await message.settle(exc.settlement)
        return
    settlement = rule.after(exc)  # ``StopConsume``: settled as a failure, then the stop
    if settlement is not None:
        await message.settle(settlement)
    sub.broker.logger.info("%s: the handler raised StopConsume; stopping", sub.name)
    sub.halt()


def _is_failure(sub: Delivering) -> Callable[[BaseException], bool]:
    """Whether what the pipeline raised is a failure to settle (else it goes on up).

    Every ``Exception`` is.
    Only the subscriber's own stop (or a cancellation of the task the delivery
    runs in, seen where Python tells, 3.11+) may end a consume loop: any other
    ``CancelledError`` (the handler awaited something someone else cancelled)
    is settled by the ack policy and the loop goes on. ``KeyboardInterrupt``,
    ``SystemExit`` and ``GeneratorExit`` always go on up.
    """

    def failure(exc: BaseException) -> bool:
        if isinstance(exc, Exception):
            return True
        if not isinstance(exc, asyncio.CancelledError):
            return not isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit)
        if sub.stopping:
            return False
        task = asyncio.current_task()
        cancelling = getattr(task, "cancelling", None)  # Python 3.11+
        return not (cancelling is not None and cancelling())

    return failure


def _size(body: Any) -> int:
    """Bytes of a body; a batch's is its largest message."""
    if isinstance(body, bytes | bytearray | memoryview):
        return len(body)
    if isinstance(body, list | tuple):
        return max((_size(b) for b in body), default=0)
    return 0

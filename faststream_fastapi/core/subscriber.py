"""A subscriber: one handler bound to one subscription, and its pipeline.

Per message: decode and validate, resolve dependencies, call, publish the
result (to ``@publisher`` destinations and the reply-to), settle per the ack
policy, then run background tasks. Failures are logged without the payload.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol
from unittest.mock import MagicMock

from fastapi.background import BackgroundTasks
from pydantic import BaseModel

from .ack import AckPolicy, settlement_after
from .callplan import CallPlan, Overrides, RunEnv
from .context import current_message
from .errors import MessageDecodeError, MessageTooLargeError, MessageValidationError
from .message import Deliver, Settlement, StreamMessage
from .middleware import chain_consume
from .options import SubscriberConfig
from .paths import PathPattern
from .ports import Outlet, Spec, SubscriberOwner
from .response import Response

if TYPE_CHECKING:
    from .transport import Consumption


class AppBinding(Protocol):
    """What a FastAPI router lends its subscribers: app, overrides, state."""

    @property
    def app(self) -> Any: ...

    @property
    def state(self) -> dict[str, Any]: ...

    def overrides(self) -> Overrides: ...

    def find_app(self) -> Any: ...


class Handler:
    """The decorated function, still callable, with ``mock`` for tests."""

    def __init__(self, func: Callable[..., Any]) -> None:
        functools.update_wrapper(self, func)
        self.func = func
        self.publishers: list[Outlet] = []
        self.subscribers: list[Subscriber] = []
        self._mock = LazyMock(getattr(func, "__name__", "handler"))

    @property
    def mock(self) -> MagicMock:
        """Calls with each decoded body the handler received under a test broker."""
        return self._mock.get()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Handler({self.func!r})"


def as_handler(func: Callable[..., Any]) -> Handler:
    return func if isinstance(func, Handler) else Handler(func)


class Subscriber:
    def __init__(
        self,
        broker: SubscriberOwner,
        spec: Spec,
        handler: Handler,
        config: SubscriberConfig,
        *,
        pattern: PathPattern | None = None,
    ) -> None:
        self.broker = broker
        self.spec = spec
        self.handler = handler
        self.config = config
        self.pattern = pattern
        self.ack_policy = config.ack_policy or broker.default_ack_policy
        self.dependencies = config.dependencies
        self.middlewares = config.middlewares
        self.no_reply = config.no_reply
        self.title = config.title
        self.description = config.description or (handler.func.__doc__ or "").strip() or None
        self.max_retries = config.max_retries
        self.retry_delay = config.retry_delay
        self.dead_letter = config.dead_letter
        #: Messages this subscriber sent back for another try, and to ``dead_letter``.
        self.retried = 0
        self.dead_lettered = 0
        #: The subscriber's own limit; ``None`` takes the broker's (see ``start``).
        self.max_message_bytes = config.max_message_bytes
        #: Messages rejected, undecoded, for being larger than the limit.
        self.oversized = 0
        self._max_bytes = config.max_message_bytes
        self.binding: AppBinding | None = None
        self.consumption: Consumption | None = None
        self._plans: dict[Any, CallPlan] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._env: RunEnv | None = None
        self._testing = False
        # Failures raise from ``process`` (in memory they reach ``publish``)
        # unless it is a real transport's callback, set at ``start``.
        self._swallow = False
        # Built now so a broken signature fails at registration.
        self.plan = self._compile(None)
        self._pipeline = self._build_pipeline()

    @property
    def publishers(self) -> list[Outlet]:
        return self.handler.publishers

    @property
    def name(self) -> str:
        return self.spec.name

    def _compile(self, overrides: Overrides | None) -> CallPlan:
        return CallPlan(
            self.handler.func,
            path=self.pattern.pattern if self.pattern else self.spec.name,
            dependencies=(*self.broker.all_dependencies(), *self.dependencies),
            overrides=overrides,
        )

    def rebuild(self) -> None:
        """Recompile after the dependencies around it changed (router include)."""
        self._plans.clear()
        self.plan = self._compile(None)
        self._pipeline = self._build_pipeline()

    def _build_pipeline(self) -> Callable[[StreamMessage], Any]:
        middlewares = (*self.broker.all_middlewares(), *self.middlewares)
        return chain_consume(tuple(mw.for_subscriber(self) for mw in middlewares), self._call)

    def _plan_for_now(self) -> CallPlan:
        binding = self.binding
        if binding is None:
            return self.plan
        overrides = binding.overrides()
        if not overrides:
            return self.plan
        key = tuple(overrides.items())
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._compile(overrides)
        return plan

    # -- running ------------------------------------------------------------

    async def start(self) -> None:
        self._pipeline = self._build_pipeline()
        self._env = self._make_env()
        root = self.broker.root()
        # In memory, failures raise from ``publish``; on a real broker the
        # consume loop must survive them.
        self._testing = root.testing
        self._swallow = not root.testing
        self._max_bytes = (
            self.max_message_bytes if self.max_message_bytes is not None else root.max_message_bytes
        )
        deliver = self._fast_deliver() or self.process
        self.consumption = await root.transport.subscribe(self.spec, deliver)

    async def stop(self, timeout: float | None = None) -> int:
        """Stop consuming; handlers in flight get ``timeout`` seconds (``None``: no
        limit) to finish, then are cancelled. Returns how many were cancelled."""
        consumption, self.consumption = self.consumption, None
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        cancelled = 0
        if consumption is not None:
            stopping = loop.create_task(consumption.stop())
            try:
                done, _ = await asyncio.wait({stopping}, timeout=timeout)
                if not done:
                    cancelled = consumption.cancel()
                    done, _ = await asyncio.wait({stopping}, timeout=_CANCEL_WAIT)
            finally:
                if not stopping.done():  # a handler ignoring cancellation, or we were cancelled
                    stopping.cancel()
            if done:
                stopping.result()  # its error, if any, is the caller's to report
            else:
                self.broker.logger.error(
                    "%s: handlers did not end within %.1f s of being cancelled; abandoned",
                    self.name,
                    _CANCEL_WAIT,
                )
        if self._tasks:
            left = None if deadline is None else max(0.0, deadline - loop.time())
            _, pending = await asyncio.wait(set(self._tasks), timeout=left)
            if pending:
                for task in pending:
                    task.cancel()
                await asyncio.wait(pending, timeout=_CANCEL_WAIT)
                self.broker.logger.warning(
                    "%s: %d background task(s) cancelled at shutdown", self.name, len(pending)
                )
        return cancelled

    async def consume(self, message: StreamMessage) -> None:
        """The transport's callback: never raises, whatever the message."""
        try:
            await self.process(message)
        except Exception:  # already logged and settled by ``process``
            return

    async def process(self, message: StreamMessage) -> Any:
        """Handle one message; settles it, then re-raises any failure
        (unless ``_swallow``: a real transport's callback, which must go on)."""
        token = current_message.set(message)
        try:
            if self.pattern is not None and self.pattern.names:
                message.path = self.pattern.match(message.destination)
            policy = self.ack_policy
            if policy is AckPolicy.ACK_FIRST:
                await message.ack_unbatched()  # at-most-once: before the handler runs
            try:
                limit = self._max_bytes
                if limit is not None and _size(message.body) > limit:
                    self.oversized += 1
                    raise MessageTooLargeError(
                        f"message of {_size(message.body)} bytes is larger than "
                        f"max_message_bytes={limit}"
                    )
                result = await self._pipeline(message)
            except Exception as exc:
                # Retried or dead-lettered counts as handled, also in memory.
                if await self._failed(message, exc) or self._swallow:
                    return None
                raise
            if policy is not AckPolicy.MANUAL:
                await message.ack()
            return result
        finally:
            current_message.reset(token)

    async def _failed(self, message: StreamMessage, exc: Exception) -> bool:
        """Log a failure (without the payload), then retry, dead-letter or settle it.

        True when the message was republished (retry or dead letter)."""
        if isinstance(exc, MessageDecodeError | MessageValidationError):
            self._log_bad_message(message, exc)
            # Another try would fail the same way: straight to the dead letter.
            retry = False
        else:
            self.broker.logger.error(
                "%s: handler %s raised %s",
                self.name,
                self.plan.name,
                type(exc).__name__,
                exc_info=exc,
                extra=_extra(message, self.name),
            )
            retry = True
        if await self._redirect(message, exc, retry=retry):
            return True
        await _settle(message, settlement_after(self.ack_policy, exc))
        return False

    def _fast_deliver(self) -> Deliver | None:
        """``process`` folded into one coroutine for the common case, or ``None``.

        The case: a real transport, no middleware, no size limit, no path
        parameters, settlement after the handler, and a handler shape the call
        plan runs straight-line (``CallPlan.fast``). A broker's consume loop
        then awaits two coroutines per message instead of four.
        """
        fast = self.plan.fast
        if (
            fast is None
            or self._testing
            or self._max_bytes is not None
            or self.ack_policy is AckPolicy.ACK_FIRST
            or (self.pattern is not None and self.pattern.names)
            or self.broker.all_middlewares()
            or self.middlewares
        ):
            return None
        env = self._env
        assert env is not None
        binding = self.binding
        ack = self.ack_policy is not AckPolicy.MANUAL
        set_message, reset_message = current_message.set, current_message.reset
        publish_result, call, failed = self._publish_result, self._call, self._failed
        arguments, deps, handler = fast.arguments, fast.deps, fast.call
        env_kwargs = fast.env_arguments(env)

        async def deliver(message: StreamMessage) -> None:
            token = set_message(message)
            try:
                # The app's overrides, looked up without a call once the app is known.
                app = binding.app if binding is not None else None
                if binding is not None and (
                    app.dependency_overrides if app is not None else binding.overrides()
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
                        await publish_result(message, result)
                if ack and not message.settle_now("ack"):
                    await message.ack()
            except Exception as exc:
                await failed(message, exc)
            finally:
                reset_message(token)

        return deliver

    async def _redirect(self, message: StreamMessage, exc: Exception, *, retry: bool) -> bool:
        """Bounded retries, then the dead letter: republish a copy, then ack the original.

        True when the message was republished and acked; False leaves it to the
        ack policy (no retries or dead letter configured, or the republish failed).
        """
        if self.ack_policy in (AckPolicy.MANUAL, AckPolicy.ACK_FIRST):
            return False
        tries = _retries(message)
        headers = {k: v for k, v in message.headers.items() if k.lower() not in _NOT_COPIED}
        try:
            if retry and self.max_retries is not None and tries < self.max_retries:
                if self.retry_delay:
                    await asyncio.sleep(self.retry_delay)
                root = self.broker.root()
                headers[RETRIES_HEADER] = str(tries + 1)
                await root.send(
                    message.body,
                    root.retry_spec(self.spec, message),
                    headers=headers,
                    correlation_id=message.correlation_id,
                    reply_to=message.reply_to,
                )
                self.retried += 1
            elif self.dead_letter is not None:
                headers[RETRIES_HEADER] = str(tries)
                headers[ERROR_HEADER] = type(exc).__name__
                await self.dead_letter.publish(
                    message.body, headers=headers, correlation_id=message.correlation_id
                )
                self.dead_lettered += 1
                self.broker.logger.warning(
                    "%s: message dead-lettered to %s after %d retries (%s)",
                    self.name,
                    self.dead_letter.name,
                    tries,
                    type(exc).__name__,
                    extra=_extra(message, self.name),
                )
            else:
                return False
        except Exception as failure:
            self.broker.logger.error(
                "%s: could not republish a failed message (%s); settling it by the ack policy",
                self.name,
                type(failure).__name__,
                extra=_extra(message, self.name),
            )
            return False
        await message.ack()
        return True

    def _make_env(self) -> RunEnv:
        broker, binding = self.broker, self.binding
        if binding is None:
            return RunEnv(broker, broker.logger)
        return RunEnv(broker, broker.logger, binding.find_app(), binding.state)

    async def _call(self, message: StreamMessage) -> Any:
        env = self._env
        if env is None:
            env = self._env = self._make_env()
        if self._testing:
            self.handler._mock.record(message)
        result, tasks = await self._plan_for_now().run(message, env)
        if result is not None or message.reply_to:
            await self._publish_result(message, result)
        if tasks is not None and tasks.tasks:
            self._schedule(tasks)
        return result

    async def _publish_result(self, message: StreamMessage, result: Any) -> None:
        publishers = self.handler.publishers
        reply_to = None if self.no_reply else message.reply_to
        if result is None and not reply_to:
            return
        if isinstance(result, Response):
            body, headers, cid = result.body, result.headers, result.correlation_id
        else:
            body, headers, cid = result, None, None
        cid = cid or message.correlation_id
        for publisher in publishers:
            await publisher.publish(body, headers=headers, correlation_id=cid)
        if reply_to:
            await self.broker.reply(message, body, headers=headers, correlation_id=cid)

    def _schedule(self, tasks: BackgroundTasks) -> None:
        # After settlement, so a slow or failing task neither delays the ack
        # nor fails the message; its errors are logged.
        task = asyncio.get_running_loop().create_task(self._run_tasks(tasks))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_tasks(self, tasks: BackgroundTasks) -> None:
        try:
            await tasks()
        except Exception as exc:
            self.broker.logger.error(
                "%s: background task of %s raised %s",
                self.name,
                self.plan.name,
                type(exc).__name__,
                exc_info=exc,
            )

    def _log_bad_message(self, message: StreamMessage, exc: Exception) -> None:
        self.broker.logger.error(
            "%s: rejected a message: %s",
            self.name,
            exc,
            extra=_extra(message, self.name),
        )


#: How long cancelled handlers get to unwind at shutdown, past the graceful timeout.
_CANCEL_WAIT = 5.0

#: How many times a message was retried (``max_retries``), and why it was dead-lettered.
RETRIES_HEADER = "x-retries"
ERROR_HEADER = "x-error"
#: Not copied to a retry: a broker-level de-duplication id would make the copy vanish,
#: and the reply address travels on its own.
_NOT_COPIED = frozenset({"nats-msg-id", "reply_to", "correlation_id"})


def _size(body: Any) -> int:
    """Bytes of a body; a batch's is its largest message."""
    if isinstance(body, bytes | bytearray | memoryview):
        return len(body)
    if isinstance(body, list | tuple):
        return max((_size(b) for b in body), default=0)
    return 0


def _retries(message: StreamMessage) -> int:
    try:
        return max(0, int(message.headers.get(RETRIES_HEADER) or 0))
    except ValueError:
        return 0


async def _settle(message: StreamMessage, settlement: Settlement | None) -> None:
    if settlement == "ack":
        await message.ack()
    elif settlement == "nack":
        await message.nack()
    elif settlement == "reject":
        await message.reject()


def _extra(message: StreamMessage, destination: str) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "correlation_id": message.correlation_id,
        "destination": destination,
    }


class LazyMock:
    """A MagicMock filled on first look: recording costs a list append."""

    __slots__ = ("_mock", "_name", "_pending")

    def __init__(self, name: str) -> None:
        self._name = name
        self._mock: MagicMock | None = None
        self._pending: list[Any] = []

    def record(self, item: Any) -> None:
        self._pending.append(item)

    def get(self) -> MagicMock:
        if self._mock is None:
            self._mock = MagicMock(name=self._name)
        pending, self._pending = self._pending, []
        for item in pending:
            self._mock(_plain(item))
        return self._mock

    def reset(self) -> None:
        self._pending.clear()
        if self._mock is not None:
            self._mock.reset_mock()


def _plain(item: Any) -> Any:
    """What a mock is called with: the decoded body, or a published value as JSON data."""
    if isinstance(item, StreamMessage):
        try:
            return item.decode()
        except Exception:
            return item.body
    if isinstance(item, BaseModel):
        return item.model_dump(mode="json")
    return item


logger = logging.getLogger("faststream_fastapi")

"""A subscriber: one handler bound to one subscription, and its lifecycle.

What happens to each message is compiled at ``start`` by ``pipeline.compile_delivery``;
the settlement rules are ``ack.RULES``; retries and dead letters are ``redirect``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from .background import CANCEL_WAIT, Background
from .callplan import CallPlan, Overrides, RunEnv
from .filtering import dispatching
from .handler import Handler, LazyMock, as_handler
from .message import Deliver
from .middleware import Middleware
from .options import SubscriberConfig
from .paths import PathPattern
from .pipeline import compile_delivery
from .ports import AppBinding, Outlet, SubscriberOwner
from .redirect import ERROR_HEADER, RETRIES_HEADER
from .views import Spec

if TYPE_CHECKING:
    from .transport import Consumption

__all__ = [
    "ERROR_HEADER",
    "RETRIES_HEADER",
    "AppBinding",
    "Handler",
    "LazyMock",
    "Spec",
    "Subscriber",
    "as_handler",
]


#: Stops asked for by ``StopConsume``, kept until done (a delivery cannot await its own).
_halting: set[asyncio.Task[int]] = set()


class Subscriber:
    #: Whether AsyncAPI documents it (``include_router(..., include_in_schema=False)``).
    include_in_schema = True
    #: Its declaration's place among all (``SubscriberDecorator.order``); -1 when unknown.
    order = -1

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
        self.include_in_schema = config.include_in_schema
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
        self.binding: AppBinding | None = None
        self.consumption: Consumption | None = None
        self._plans: dict[Any, CallPlan] = {}
        #: Background tasks of handlers, run after settlement, drained at ``stop``.
        self.background = Background(self)
        #: What the transport calls per message; compiled at ``start``.
        self.deliver: Deliver | None = None
        #: True from ``stop`` on: a ``CancelledError`` in a handler is then ours,
        #: and ends the delivery instead of failing the message.
        self.stopping = False
        #: Set when the handler raised ``StopConsume``: stopped on purpose, still healthy.
        self.halted = False
        #: ``filter=`` and the group of handlers on one subscription (``filtering.py``).
        self.filter = config.filter
        #: Its own ``parser=``/``decoder=``, else the declaring router's; else, at
        #: start, the broker's (``custom_parsing``).
        self.parser = config.parser or broker.parser
        self.decoder = config.decoder or broker.decoder
        self.lead: Subscriber | None = None
        self.members: list[Subscriber] = []
        # Built now so a broken signature fails at registration.
        self.plan = self._compile(None)
        self._middlewares = self._bind_middlewares()

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
        self._middlewares = self._bind_middlewares()

    def _bind_middlewares(self) -> tuple[Middleware, ...]:
        middlewares = (*self.broker.all_middlewares(), *self.middlewares)
        return tuple(mw.for_subscriber(self) for mw in middlewares)

    def plan_for_now(self) -> CallPlan:
        """The plan to run: the one for the app's dependency overrides, if it has any."""
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
        if self.consumption is not None:
            return  # already consuming (started by ``broker.setup_subscriber`` users too)
        self.stopping = self.halted = False
        deliver = self.prepare()
        if self.lead is not None:
            return  # its lead's consumption delivers to it
        if self.filter is not None or self.members:
            deliver = dispatching(self, deliver)
        transport, workers = self.broker.root().transport, self.config.max_workers
        if workers == 1:
            self.consumption = await transport.subscribe(self.spec, deliver)
        else:
            self.consumption = await transport.subscribe_workers(self.spec, deliver, workers)

    async def ready(self) -> None:
        """Return once the consumption reads what is published next (``Consumption.ready``)."""
        if self.consumption is not None:
            await self.consumption.ready()

    def prepare(self) -> Deliver:
        """Compile (again) what is done with each message; see ``pipeline``."""
        root = self.broker.root()
        self._middlewares = self._bind_middlewares()
        limit = (
            self.max_message_bytes if self.max_message_bytes is not None else root.max_message_bytes
        )
        # Under a test broker the same pipeline runs, recording for ``handler.mock``
        # and raising failures out of ``publish``; a real consume loop must go on.
        self.deliver = compile_delivery(
            self,
            self._middlewares,
            self._make_env(),
            limit=limit,
            testing=root.testing,
            custom=(self.parser or root.parser, self.decoder or root.decoder),
            recording=root.under_test,
        )
        return self.deliver

    def halt(self) -> None:
        """Stop consuming, as the handler asked by raising ``StopConsume``."""
        if self.lead is not None:  # one handler of several: the subscription stops
            self.lead.halt()
        elif not self.stopping:
            self.halted = True
            task = asyncio.get_running_loop().create_task(self.stop())
            _halting.add(task)
            task.add_done_callback(_halting.discard)

    @property
    def running(self) -> bool:
        """Whether it is consuming now (a handler sharing a subscription: whether that is)."""
        if self.lead is not None:
            return self.lead.running
        return self.consumption is not None

    @property
    def consumes(self) -> bool:
        """Whether this subscriber should have a live consumption while its broker runs."""
        return self.lead is None and not self.halted

    async def stop(self, timeout: float | None = None) -> int:
        """Stop consuming; handlers in flight get ``timeout`` seconds (``None``: no
        limit) to finish, then are cancelled. Returns how many were cancelled."""
        consumption, self.consumption = self.consumption, None
        self.stopping = True
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        cancelled = 0
        if consumption is not None:
            stopping = loop.create_task(consumption.stop())
            try:
                done, _ = await asyncio.wait({stopping}, timeout=timeout)
                if not done:
                    cancelled = consumption.cancel()
                    done, _ = await asyncio.wait({stopping}, timeout=CANCEL_WAIT)
            finally:
                if not stopping.done():  # a handler ignoring cancellation, or we were cancelled
                    stopping.cancel()
            if done:
                stopping.result()  # its error, if any, is the caller's to report
            else:
                self.broker.logger.error(
                    "%s: handlers did not end within %.1f s of being cancelled; abandoned",
                    self.name,
                    CANCEL_WAIT,
                )
        left = None if deadline is None else max(0.0, deadline - loop.time())
        await self.background.drain(left)
        return cancelled

    def _make_env(self) -> RunEnv:
        broker, binding = self.broker, self.binding
        if binding is None:
            return RunEnv(broker, broker.logger)
        return RunEnv(broker, broker.logger, binding.find_app(), binding.state)

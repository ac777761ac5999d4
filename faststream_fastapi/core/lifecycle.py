"""A broker's life: connect, start consuming, retry a start, stop, report readiness."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

from . import redact
from .backoff import Backoff
from .errors import BrokerConnectionError, InsecureCredentialsWarning, SetupError
from .filtering import SubscriberDecorator
from .options import BrokerConfig
from .pulling import Pulls
from .registry import Registry
from .sending import Sending
from .subscriber import Subscriber
from .transport import Transport

#: How long ``close()`` waits for a cancelled start retry to unwind.
_RETRY_STOP_WAIT = 5.0


class Lifecycle(Sending):
    """Connects, consumes for every subscriber, retries a failed start, closes.

    Every call on a broker included into another goes to the outer (root) one.
    """

    #: Set by the facade when credentials would travel without TLS; warned on connect.
    _credentials_warning: str | None = None

    def __init__(self, transport: Transport, config: BrokerConfig) -> None:
        super().__init__(transport, config)
        self.graceful_timeout = config.graceful_timeout
        self.running = False
        self.connected = False
        #: Why the last start attempt failed, while ``start_or_retry`` keeps trying.
        self.start_failure: str | None = None
        self._retrying: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        #: Subscribers declared here without a handler, for ``get_one``.
        self.pulls = Pulls()

    def _on_decorator(self, decorator: SubscriberDecorator) -> None:
        self.pulls.declared.append(decorator)

    def root(self) -> Lifecycle:
        node: Registry = self
        while node.parent is not None:
            node = node.parent
        if isinstance(node, Lifecycle):
            return node
        raise self._not_included()

    def _check_includable(self) -> None:
        if self.running:
            raise SetupError("cannot include a broker that is running")

    async def connect(self) -> Any:
        """Connect (once); returns the client library's connection, as FastStream 0.5's
        ``connect()`` does (``None`` under a test broker, where there is none)."""
        root = self.root()
        if root is not self:
            return await root.connect()
        if self.connected:
            return self._transport.native()
        if self._credentials_warning is not None and not self.testing:
            # Once per broker: warned at the first connection, not at every restart.
            message, self._credentials_warning = self._credentials_warning, None
            warnings.warn(message, InsecureCredentialsWarning, stacklevel=2)
        try:
            await self._transport.connect()
        except Exception as exc:
            # Client libraries may put the URL they were given, password and all,
            # into their errors: neither our message nor the cause chain shows it.
            secrets = redact.secrets_of(self._transport)
            text = f"{type(self).__name__} cannot connect: {type(exc).__name__}: {exc}"
            error = BrokerConnectionError(redact.redact(text, secrets))
            cause = redact.redacted_chain(exc, secrets)
        else:
            self.connected = True
            return self._transport.native()
        # Raised outside ``except``: the original would stay reachable as ``__context__``.
        raise error from cause

    async def start(self) -> None:
        """Connect, then start consuming for every subscriber."""
        root = self.root()
        if root is not self:
            await root.start()
            return
        async with self._lock:
            if self.running:
                return
            await self.connect()
            self._send_envelope = self._publish_chain()
            started: list[Subscriber] = []
            try:
                for sub in self.subscribers:
                    await sub.start()
                    started.append(sub)
                await asyncio.gather(*(sub.ready() for sub in started))
            except BaseException:
                for sub in started:
                    await sub.stop()
                raise
            await self.pulls.start(self._transport)
            self.running = True

    async def start_or_retry(self, backoff: Backoff) -> bool:
        """Start; if the broker cannot be reached, go on trying in the background.

        True when started now. False when the broker was unreachable: a task
        retries with ``backoff`` (logging each failure) until it starts or
        ``close()`` is called; meanwhile ``ready()`` is False and
        ``not_ready_reason()`` says why. Other errors (a refused declaration,
        a broken handler) raise, as ``start()`` does.
        """
        root = self.root()
        if root is not self:
            return await root.start_or_retry(backoff)
        if self.running:
            return True
        if self._retrying is not None:
            return False
        try:
            await self.start()
        except BrokerConnectionError as exc:
            self._retrying = asyncio.get_running_loop().create_task(self._retry_start(backoff, exc))
            return False
        self.start_failure = None
        return True

    async def _retry_start(self, backoff: Backoff, failure: Exception) -> None:
        name = type(self).__name__
        try:
            for attempt, delay in enumerate(backoff.delays(), start=1):
                self.start_failure = self._describe(failure)
                self.logger.warning(
                    "%s: start attempt %d failed (%s); retrying in %.1f s",
                    name,
                    attempt,
                    self.start_failure,
                    delay,
                )
                await asyncio.sleep(delay)
                try:
                    await self.start()
                except SetupError as exc:  # will not get better by waiting
                    self.start_failure = self._describe(exc)
                    self.logger.error("%s: start failed, not retrying: %s", name, exc)
                    return
                except Exception as exc:
                    failure = exc
                else:
                    self.start_failure = None
                    self.logger.info("%s: started after %d failed attempt(s)", name, attempt)
                    return
        finally:
            self._retrying = None

    def _describe(self, exc: BaseException) -> str:
        if isinstance(exc, BrokerConnectionError):
            text = str(exc)  # names the broker and the cause already
        else:
            text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return redact.redact(text, redact.secrets_of(self._transport))

    def _not_started(self) -> str | None:
        return self.not_ready_reason() if self._retrying is not None else None

    async def _stop_retrying(self) -> None:
        retrying = self._retrying
        if retrying is None:
            return
        # Asleep or mid-attempt: a connect cut short leaves nothing ``close`` misses.
        retrying.cancel()
        await asyncio.wait({retrying}, timeout=_RETRY_STOP_WAIT)
        self.start_failure = None

    async def close(self) -> None:
        """Stop retrying a start, stop consuming (in-flight messages finish within
        ``graceful_timeout``, then are cancelled), then disconnect."""
        root = self.root()
        if root is not self:
            await root.close()
            return
        await self._stop_retrying()
        async with self._lock:
            if self.running:
                self.running = False
                await self._stop_subscribers()
                await self.pulls.close()
            if self.connected:
                self.connected = False
                await self._transport.close()

    async def _stop_subscribers(self) -> None:
        """Stop consuming everywhere at once; cancel what outlives ``graceful_timeout``."""
        results = await asyncio.gather(
            *(sub.stop(self.graceful_timeout) for sub in self.subscribers),
            return_exceptions=True,
        )
        cancelled = 0
        for sub, result in zip(self.subscribers, results, strict=True):
            if isinstance(result, BaseException):
                self.logger.error(
                    "%s: stopping the consumer failed: %s", sub.name, result, exc_info=result
                )
            else:
                cancelled += result
        if cancelled:
            self.logger.warning(
                "%d in-flight handler(s) cancelled after the graceful timeout of %.1f s; "
                "their messages were not acknowledged and go back to the broker",
                cancelled,
                self.graceful_timeout,
            )

    # -- readiness -------------------------------------------------------------

    def not_ready_reason(self) -> str | None:
        """Why ``healthy()`` is False, in a few words; None when it is True."""
        root = self.root()
        if root._retrying is not None:
            return f"not started, retrying: {root.start_failure}"
        if root.start_failure is not None:
            return f"not started: {root.start_failure}"
        if not root.running:
            return "not started"
        if not root.connected:
            return "not connected"
        stopped = root._stopped_consumer()
        return None if stopped is None else f"the consumer of {stopped.name!r} has stopped"

    def healthy(self) -> bool:
        """True while started and every subscriber's consumption is alive.

        A consume task that died (while the connection may still be up) makes it
        False; it does not talk to the broker: ``ready`` adds the round trip.
        """
        root = self.root()
        return root.running and root.connected and root._stopped_consumer() is None

    def _stopped_consumer(self) -> Subscriber | None:
        for sub in self.subscribers:
            consumption = sub.consumption
            if sub.consumes and (consumption is None or not consumption.alive):
                return sub
        return None

    async def ping(self, timeout: float = 5.0) -> bool:
        """True when the broker answers within ``timeout`` seconds."""
        try:
            return await asyncio.wait_for(self.transport.ping(timeout), timeout)
        except Exception:  # unreachable, timed out, or the client failed: not answering
            return False

    async def ready(self, timeout: float = 5.0) -> bool:
        """Readiness: ``healthy()`` and the broker answers ``ping`` within ``timeout``."""
        return self.healthy() and await self.ping(timeout)

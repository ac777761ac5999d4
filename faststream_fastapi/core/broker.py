"""Brokers and routers: declarations, lifecycle, publishing, request/reply.

``Registry`` holds what decorators declare; a ``Broker`` is a registry with a
transport. A broker included into another gives its subscribers and
publishers to the outer one, once, and from then on publishes through the
outer broker's connection.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import uuid
import warnings
from collections.abc import Callable, Mapping, Sequence
from types import EllipsisType
from typing import Any, ClassVar, TypeVar

from fastapi import params

from . import codec, logs, redact
from .ack import AckPolicy
from .backoff import Backoff
from .descriptor import BrokerDescriptor, require_descriptor
from .errors import (
    BrokerConnectionError,
    InsecureCredentialsWarning,
    NotConnectedError,
    SetupError,
)
from .message import CONTENT_TYPE, Envelope, StreamMessage
from .middleware import Middleware, chain_publish
from .options import SubscriberConfig
from .paths import PathPattern
from .publisher import Publisher
from .response import Response
from .subscriber import Handler, Spec, Subscriber, as_handler
from .transport import Transport

default_logger = logging.getLogger("faststream_fastapi")

#: How long ``close()`` waits for a cancelled start retry to unwind.
_RETRY_STOP_WAIT = 5.0

_id_prefix = uuid.uuid4().hex[:16]
_id_counter = itertools.count(1)


def new_id() -> str:
    """A unique id: random per process, then a counter (cheaper than uuid4)."""
    return f"{_id_prefix}{next(_id_counter):08x}"


R = TypeVar("R", bound="Registry")


class Registry:
    """Subscribers and publishers declared with decorators, plus options they share."""

    #: Default ack policy of this broker's subscribers; facades override it.
    default_ack_policy = AckPolicy.REJECT_ON_ERROR
    #: The broker kind these declarations are for; each broker package sets it.
    descriptor: ClassVar[BrokerDescriptor]

    def __init__(
        self,
        *,
        prefix: str = "",
        dependencies: Sequence[params.Depends] = (),
        middlewares: Sequence[Middleware] = (),
    ) -> None:
        self.prefix = prefix
        self.dependencies = tuple(dependencies)
        self.middlewares = tuple(middlewares)
        self.subscribers: list[Subscriber] = []
        self.publishers: list[Publisher] = []
        self.parent: Registry | None = None

    # -- structure ------------------------------------------------------------

    def root(self) -> Broker:
        node: Registry = self
        while node.parent is not None:
            node = node.parent
        if not isinstance(node, Broker):
            raise SetupError(
                f"{type(self).__name__} is not included in a broker yet; "
                "call broker.include_router(router) first"
            )
        return node

    def all_dependencies(self) -> tuple[params.Depends, ...]:
        outer = self.parent.all_dependencies() if self.parent is not None else ()
        return (*outer, *self.dependencies)

    def all_middlewares(self) -> tuple[Middleware, ...]:
        outer = self.parent.all_middlewares() if self.parent is not None else ()
        return (*outer, *self.middlewares)

    def include_router(self, router: Registry, *, prefix: str = "") -> None:
        """Adopt ``router``'s subscribers and publishers, with ``prefix`` on names.

        Each is moved exactly once: including a router twice is an error.
        """
        if router is self:
            raise SetupError("a router cannot include itself")
        if router.parent is not None:
            raise SetupError(f"{router!r} is already included elsewhere")
        if isinstance(router, Broker) and router.running:
            raise SetupError("cannot include a broker that is running")
        # ``router.prefix`` was applied when its subscribers were declared.
        full_prefix = prefix
        router.parent = self
        for sub in router.subscribers:
            if full_prefix:
                sub.spec = sub.spec.with_prefix(full_prefix)
                sub.pattern = self._pattern_for(sub.spec)
            sub.broker = self  # type: ignore[assignment]
            sub.rebuild()
            self.subscribers.append(sub)
        for pub in router.publishers:
            if full_prefix:
                pub.spec = pub.spec.with_prefix(full_prefix)
            pub.owner = self
            self.publishers.append(pub)
        router.subscribers = []
        router.publishers = []

    # -- declarations ----------------------------------------------------------

    def _pattern_for(self, spec: Spec) -> PathPattern | None:
        """The path pattern of a subscription; facades with ``{name}`` support override."""
        return None

    def _add_subscriber(
        self, spec: Spec, config: SubscriberConfig
    ) -> Callable[[Callable[..., Any]], Handler]:
        spec = spec.with_prefix(self.prefix) if self.prefix else spec

        def decorator(func: Callable[..., Any]) -> Handler:
            handler = as_handler(func)
            sub = Subscriber(
                self,  # type: ignore[arg-type]
                spec,
                handler,
                config,
                pattern=self._pattern_for(spec),
            )
            handler.subscribers.append(sub)
            self.subscribers.append(sub)
            self._on_subscriber_added(sub)
            return handler

        return decorator

    def _on_subscriber_added(self, sub: Subscriber) -> None:
        return None

    def _add_publisher(
        self,
        spec: Spec,
        *,
        headers: Mapping[str, str] | None = None,
        title: str | None = None,
        description: str | None = None,
        schema: Any = None,
    ) -> Publisher:
        spec = spec.with_prefix(self.prefix) if self.prefix else spec
        pub = Publisher(
            self, spec, headers=headers, title=title, description=description, schema=schema
        )
        self.publishers.append(pub)
        return pub


class Broker(Registry):
    """A registry with a transport: connects, consumes, publishes."""

    #: Lets a handler ask for the broker by a bare type hint.
    __faststream_broker__ = True
    #: The ``security=`` object the facade mapped onto its client (AsyncAPI shows its type).
    security: Any = None
    #: Set by the facade when credentials would travel without TLS; warned on connect.
    _credentials_warning: str | None = None

    def __init_subclass__(cls, *, abstract: bool = False, **kwargs: Any) -> None:
        """A broker class names its kind (``descriptor``) unless ``abstract=True``."""
        super().__init_subclass__(**kwargs)
        if not abstract:
            require_descriptor(cls)

    def __init__(
        self,
        transport: Transport,
        *,
        logger: logging.Logger | EllipsisType | None = ...,
        dependencies: Sequence[params.Depends] = (),
        middlewares: Sequence[Middleware] = (),
        graceful_timeout: float = 15.0,
        request_timeout: float = 10.0,
        max_message_bytes: int | None = None,
    ) -> None:
        super().__init__(dependencies=dependencies, middlewares=middlewares)
        if max_message_bytes is not None and max_message_bytes <= 0:
            raise SetupError(f"max_message_bytes must be positive, not {max_message_bytes!r}")
        #: Default limit of every subscriber's message size (``None``: no limit).
        self.max_message_bytes = max_message_bytes
        self._transport = transport
        if logger is ...:  # not given: the library's logger
            logger = default_logger
        self.logger = logger or logging.getLogger("faststream_fastapi.null")
        if logger is None:
            self.logger.disabled = True
        else:
            logs.install(logger)
        self.graceful_timeout = graceful_timeout
        self.request_timeout = request_timeout
        self.running = False
        self.connected = False
        self.testing = False
        #: Why the last start attempt failed, while ``start_or_retry`` keeps trying.
        self.start_failure: str | None = None
        self._retrying: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._send_envelope = chain_publish(self._publish_middlewares(), self._transport_publish)

    def _publish_middlewares(self) -> tuple[Middleware, ...]:
        return tuple(mw.for_broker(self) for mw in self.all_middlewares())

    # -- connection ----------------------------------------------------------

    @property
    def transport(self) -> Transport:
        return self.root()._transport

    async def connect(self) -> None:
        root = self.root()
        if root is not self:
            await root.connect()
            return
        if self.connected:
            return
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
            return
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
            self._send_envelope = chain_publish(
                self._publish_middlewares(), self._transport_publish
            )
            started: list[Subscriber] = []
            try:
                for sub in self.subscribers:
                    await sub.start()
                    started.append(sub)
            except BaseException:
                for sub in started:
                    await sub.stop()
                raise
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

    async def _stop_retrying(self) -> None:
        retrying = self._retrying
        if retrying is None:
            return
        # Asleep or mid-attempt: a connect cut short leaves nothing ``close`` misses.
        retrying.cancel()
        await asyncio.wait({retrying}, timeout=_RETRY_STOP_WAIT)
        self.start_failure = None

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
        for sub in root.subscribers:
            consumption = sub.consumption
            if consumption is None or not consumption.alive:
                return f"the consumer of {sub.name!r} has stopped"
        return None

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

    async def ping(self, timeout: float = 5.0) -> bool:
        """True when the broker answers within ``timeout`` seconds."""
        try:
            return await asyncio.wait_for(self.transport.ping(timeout), timeout)
        except (TimeoutError, OSError, ConnectionError):
            return False
        except Exception:
            return False

    def healthy(self) -> bool:
        """True while started and every subscriber's consumption is alive.

        A consume task that died (while the connection may still be up) makes it
        False; it does not talk to the broker: ``ready`` adds the round trip.
        """
        root = self.root()
        if not (root.running and root.connected):
            return False
        for sub in root.subscribers:
            consumption = sub.consumption
            if consumption is None or not consumption.alive:
                return False
        return True

    async def ready(self, timeout: float = 5.0) -> bool:
        """Readiness: ``healthy()`` and the broker answers ``ping`` within ``timeout``."""
        return self.healthy() and await self.ping(timeout)

    async def __aenter__(self: R) -> R:
        await self.connect()  # type: ignore[attr-defined]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- publishing ------------------------------------------------------------

    def envelope_for(
        self, spec: Spec, body: bytes, headers: dict[str, str], options: dict[str, Any]
    ) -> Envelope:
        """Address an encoded body to ``spec``; facades add their options."""
        return Envelope(spec.name, body, headers, options=options)

    def retry_spec(self, spec: Spec, message: StreamMessage) -> Spec:
        """Where a retried ``message`` of a subscription ``spec`` goes; facades override
        (e.g. a wildcard subscription retries to the message's own subject)."""
        return spec

    def reply_spec(self, reply_to: str) -> Spec:
        """The destination a reply-to address names; facades override."""
        raise NotImplementedError

    async def send(
        self,
        message: Any,
        spec: Spec,
        *,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
        reply_to: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> Any:
        envelope = self._envelope(message, spec, headers, correlation_id, reply_to, options)
        return await self.root()._send_envelope(envelope)

    def _envelope(
        self,
        message: Any,
        spec: Spec,
        headers: Mapping[str, str] | None,
        correlation_id: str | None,
        reply_to: str | None,
        options: dict[str, Any] | None,
    ) -> Envelope:
        if isinstance(message, Response):
            headers = {**message.headers, **(headers or {})}
            correlation_id = correlation_id or message.correlation_id
            message = message.body
        body, content_type = codec.encode(message)
        hdrs = dict(headers) if headers else {}
        if content_type is not None and CONTENT_TYPE not in hdrs:
            hdrs[CONTENT_TYPE] = content_type
        envelope = self.envelope_for(spec, body, hdrs, dict(options or {}))
        # Generated only for requests (see ``_request``): a header on every
        # publish costs the wire and the client's header encoding.
        envelope.correlation_id = correlation_id
        envelope.reply_to = reply_to
        return envelope

    async def _transport_publish(self, envelope: Envelope) -> Any:
        root = self.root()
        try:
            return await root._transport.publish(envelope)
        except NotConnectedError as exc:
            if root._retrying is None:
                raise
            raise NotConnectedError(
                f"{type(root).__name__} is not started yet ({root.not_ready_reason()}); "
                "publish once broker.ready() is true"
            ) from exc

    async def reply(
        self,
        message: StreamMessage,
        body: Any,
        *,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> None:
        assert message.reply_to
        await self.send(
            body,
            self.reply_spec(message.reply_to),
            headers=headers,
            correlation_id=correlation_id or message.correlation_id,
        )

    async def _request(
        self,
        message: Any,
        spec: Spec,
        *,
        timeout: float | None,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> StreamMessage:
        envelope = self._envelope(message, spec, headers, correlation_id or new_id(), None, options)
        root, wait = self.root(), timeout or self.request_timeout

        async def request(envelope: Envelope) -> StreamMessage:
            return await root._transport.request(envelope, wait)

        # Through the publish middlewares too: a request is an outgoing message.
        response: StreamMessage = await chain_publish(root._publish_middlewares(), request)(
            envelope
        )
        return response

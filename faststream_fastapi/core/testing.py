"""In-memory transports and the ``Test<B>Broker`` context managers.

The memory transport is a real transport: messages go through the same
encoding, middlewares, subscriber pipeline and replies as on a real broker.
Delivery is immediate, so after ``await br.publish(...)`` the handlers ran;
their exceptions and validation errors raise from ``publish``. A publish that
reaches no subscriber raises too, unless a declared publisher names its
destination (``unrouted``): in memory nothing would ever see it.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from .batch import BatchMessage, batch_of
from .broker import Broker
from .errors import PublishError
from .lifecycle import Lifecycle
from .message import CONTENT_TYPE, Deliver, Envelope, StreamMessage
from .subscriber import Subscriber
from .transport import Consumption, Transport

B = TypeVar("B", bound=Broker)

_ids = itertools.count(1)


class UnroutedError(PublishError):
    """Under a test broker: a publish reached no subscriber, and no publisher declares
    its destination."""

    def __init__(self, message: str, envelope: Envelope) -> None:
        super().__init__(message)
        self.envelope = envelope


class _MemoryConsumption(Consumption):
    def __init__(self, transport: MemoryTransport, entry: tuple[Any, Deliver]) -> None:
        self._transport = transport
        self._entry = entry

    async def stop(self) -> None:
        if self._entry in self._transport.subscriptions:
            self._transport.subscriptions.remove(self._entry)


class MemoryTransport(Transport):
    """Routes envelopes to subscriptions with the broker's rules (``routes``)."""

    def __init__(self) -> None:
        self.subscriptions: list[tuple[Any, Deliver]] = []
        self._inboxes: dict[str, asyncio.Future[StreamMessage]] = {}
        #: Called before each publish: starts subscribers declared since the start.
        self.catch_up: Callable[[], Awaitable[None]] | None = None
        #: True when a declared publisher names an envelope's destination: a publish
        #: to it that no subscriber takes is meant (its ``mock`` records it).
        self.declared: Callable[[Envelope], bool] = lambda envelope: False
        #: Who is publishing, for the error a lost publish raises.
        self.owner = type(self).__name__

    # Broker-specific routing, overridden per broker.
    def routes(self, spec: Any, envelope: Envelope) -> bool:
        return bool(spec.name == envelope.destination)

    def group_key(self, spec: Any) -> Any:
        """Subscriptions sharing a key compete (a queue): one of them gets it."""
        return None

    def wire_headers(self, envelope: Envelope) -> dict[str, str]:
        """The headers a consumer of the real broker would see; overridden per broker
        where its transport adds (or moves out) keys on the wire."""
        return envelope.headers

    def describe(self, envelope: Envelope) -> str:
        """The destination as a user wrote it; overridden where a name alone is ambiguous."""
        return repr(envelope.destination)

    def unrouted(self, envelope: Envelope) -> None:
        """``envelope`` reached no subscriber: an error unless a publisher declares it."""
        if self.declared(envelope):
            return
        raise UnroutedError(
            f"{self.owner}: nothing subscribes to {self.describe(envelope)} and no "
            "publisher declares it, so this message would be lost; subscribe to it, or "
            "declare broker.publisher(...) for it to publish there on purpose",
            envelope,
        )

    def to_message(self, spec: Any, envelope: Envelope) -> StreamMessage:
        return StreamMessage(
            envelope.body,
            self.wire_headers(envelope),
            destination=envelope.destination,
            reply_to=envelope.reply_to,
            correlation_id=envelope.correlation_id,
            message_id=str(next(_ids)),
            content_type=envelope.headers.get(CONTENT_TYPE),
        )

    async def connect(self) -> None:
        return None

    async def close(self) -> None:
        self.subscriptions.clear()

    async def ping(self, timeout: float) -> bool:
        return True

    def batched(self, spec: Any) -> bool:
        """Whether ``spec`` is a batch subscription (``batch=True``); per broker."""
        return False

    async def subscribe(self, spec: Any, deliver: Deliver) -> Consumption:
        if self.batched(spec):
            deliver = _InBatches(deliver)
        entry = (spec, deliver)
        self.subscriptions.append(entry)
        return _MemoryConsumption(self, entry)

    async def subscribe_workers(self, spec: Any, deliver: Deliver, max_workers: int) -> Consumption:
        # Delivered inside ``publish``, as at 1: concurrent publishes run at once.
        return await self.subscribe(spec, deliver)

    async def arrived(self, envelope: Envelope) -> bool:
        """Before routing ``envelope``: start late subscribers; True if it was a
        reply, now handed to the request waiting for it."""
        if self.catch_up is not None:
            await self.catch_up()
        inbox = self._inboxes.get(envelope.destination)
        if inbox is None:
            return False
        if not inbox.done():
            inbox.set_result(self.to_message(None, envelope))
        return True

    async def publish(self, envelope: Envelope) -> Any:
        if await self.arrived(envelope):
            return None
        served: set[Any] = set()
        routed = False
        for spec, deliver in list(self.subscriptions):
            if not self.routes(spec, envelope):
                continue
            routed = True
            key = self.group_key(spec)
            if key is not None:
                if key in served:
                    continue
                served.add(key)
            await deliver(self.to_message(spec, envelope))
        if not routed:
            self.unrouted(envelope)
        return None

    async def publish_batch(self, envelopes: Sequence[Envelope]) -> list[Any]:
        """As ``publish`` for each, except that a batch subscriber gets them in one call."""
        if self.catch_up is not None:
            await self.catch_up()
        plan: dict[int, tuple[Deliver, list[StreamMessage]]] = {}
        for envelope in envelopes:
            served: set[Any] = set()
            for spec, deliver in self.subscriptions:
                key = self.group_key(spec)
                if not self.routes(spec, envelope) or (key is not None and key in served):
                    continue
                served.add(key)
                plan.setdefault(id(deliver), (deliver, []))[1].append(
                    self.to_message(spec, envelope)
                )
        for deliver, messages in plan.values():
            if isinstance(deliver, _InBatches):
                await deliver(batch_of(messages))
            else:
                for message in messages:
                    await deliver(message)
        return [None] * len(envelopes)

    async def request(self, envelope: Envelope, timeout: float) -> StreamMessage:
        inbox = f"_INBOX.memory.{next(_ids)}"
        future: asyncio.Future[StreamMessage] = asyncio.get_running_loop().create_future()
        self._inboxes[inbox] = future
        envelope.reply_to = inbox
        try:
            # Delivery is immediate: the handler runs within the timeout too, and
            # ``timeout=0`` times out at once, as waiting for a real broker would.
            return await asyncio.wait_for(self._publish_and_wait(envelope, future), timeout)
        except UnroutedError as exc:
            if exc.envelope is not envelope:  # the handler's own publish went nowhere
                raise
            # No reply can come: the request times out now rather than after waiting
            # (``rpc=True`` without ``raise_timeout`` gives ``None``, as in 0.5).
            raise TimeoutError(
                f"{self.owner}: nothing subscribes to {self.describe(envelope)}, "
                "so no reply can come"
            ) from exc
        finally:
            del self._inboxes[inbox]

    async def _publish_and_wait(
        self, envelope: Envelope, reply: asyncio.Future[StreamMessage]
    ) -> StreamMessage:
        await self.publish(envelope)
        return await reply


class _InBatches:
    """A batch subscriber's deliver: one message becomes a batch of one."""

    __slots__ = ("deliver",)

    def __init__(self, deliver: Deliver) -> None:
        self.deliver = deliver

    async def __call__(self, message: StreamMessage) -> None:
        if not isinstance(message, BatchMessage):
            message = batch_of([message])
        await self.deliver(message)


class TestBroker(Generic[B]):
    """Swap a broker's transport for an in-memory one for the ``async with`` block.

    ``with_real=True`` (FastStream 0.5's option) keeps the real transport: the
    broker connects to its server and consumes as usual, while ``handler.mock``,
    ``wait_call`` and ``publisher.mock`` record what passes; handler errors stay
    in the consume loop, as without a test broker. ``connect_only=True`` connects
    without starting the subscribers (``TestApp`` or the app starts them). Either
    way the block ends by closing the broker.
    """

    __test__ = False  # not a pytest test class
    transport_factory: Callable[[], MemoryTransport] = MemoryTransport

    def __init__(
        self, broker: B, with_real: bool = False, connect_only: bool | None = None
    ) -> None:
        self.broker = broker
        self.with_real = with_real
        self.connect_only = bool(connect_only)
        #: Subscribers consuming from the real server when an in-memory block began.
        self._live: dict[Subscriber, Consumption] = {}
        #: How many subscribers and publishers had their mocks made ready (``_start_late``).
        self._mocked = (0, 0)

    async def __aenter__(self) -> B:
        root = self.broker.root()
        # Restored on leaving: a block inside another leaves the outer one as it was.
        self._flags = (root.testing, root.under_test)
        root.under_test = True
        _activate_mocks(root)
        try:
            if self.with_real:
                await self._enter_real(root)
            else:
                await self._enter_memory(root)
        except BaseException:
            root.testing, root.under_test = self._flags
            raise
        return self.broker

    async def _enter_real(self, root: Lifecycle) -> None:
        if not root.running:
            await (root.connect() if self.connect_only else root.start())
            return
        # Started before the block: recompile its subscribers' pipelines to record.
        for sub in root.subscribers:
            if sub.consumption is not None:
                await sub.stop(root.graceful_timeout)
                await sub.start()

    async def _enter_memory(self, root: Lifecycle) -> None:
        self._saved = (root._transport, root.connected, root.running)
        # A broker started before the block goes on consuming from its server
        # through the consumptions kept here; the block's subscriptions are in memory.
        self._live = {s: s.consumption for s in root.subscribers if s.consumption is not None}
        for sub in self._live:
            sub.consumption = None
        transport = type(self).transport_factory()
        transport.catch_up = self._start_late
        transport.declared = self._declared
        transport.owner = type(self).__name__
        root._transport = transport
        root.connected = root.running = False
        root.testing = True
        for sub in root.subscribers:
            sub.rebuild()
        await (root.connect() if self.connect_only else root.start())

    async def _start_late(self) -> None:
        """Start the subscribers declared (or included) after the block began."""
        root = self.broker.root()
        declared = (len(root.subscribers), len(root.publishers))
        if declared != self._mocked:  # declared since: their mocks too (not per publish)
            _activate_mocks(root)
            self._mocked = declared
        if root.running:
            for sub in root.subscribers:
                if sub.consumption is None:
                    await sub.start()

    def _declared(self, envelope: Envelope) -> bool:
        return any(p.spec.name == envelope.destination for p in self.broker.root().publishers)

    async def __aexit__(self, *exc: object) -> None:
        root = self.broker.root()
        try:
            await root.close()
        finally:
            if not self.with_real:
                root._transport, root.connected, root.running = self._saved
                for sub, consumption in self._live.items():
                    sub.consumption, sub.stopping = consumption, False
                self._live = {}
            root.testing, root.under_test = self._flags
            for sub in root.subscribers:
                sub.handler._mock.reset()
            for pub in root.publishers:
                pub._mock.reset()


def _activate_mocks(root: Lifecycle) -> None:
    """``handler.mock`` and ``publisher.mock`` exist while a test broker's block runs."""
    for sub in root.subscribers:
        sub.handler._mock.activate()
    for pub in root.publishers:
        pub._mock.activate()

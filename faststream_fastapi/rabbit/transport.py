"""The RabbitMQ transport on aio-pika.

One robust connection; a publishing channel with publisher confirms (an
unroutable mandatory publish comes back as an error); one channel per
subscriber with its own prefetch. aio-pika's robust objects re-declare
exchanges, queues and bindings after a reconnection; each subscriber consumes
on the channel aio-pika keeps underneath (aiormq's) and consumes again when
aio-pika reopens it. Deliveries so skip aio-pika's ``IncomingMessage`` and its
task per message, two fifths of a delivery's cost; ``message.raw`` still is
one, made when asked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Mapping
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)
from aio_pika.exceptions import AMQPError, ChannelInvalidStateError
from aiormq.abc import DeliveredMessage

from ..core.errors import NotConnectedError, PublishError, SetupError
from ..core.inflight import InFlight
from ..core.message import CONTENT_TYPE, NO_SETTLER, Deliver, Envelope, StreamMessage
from ..core.probe import Probe
from ..core.replies import ReplyWaiters
from ..core.transport import Consumption, Transport
from .connect import DEFAULT_CONNECT_TIMEOUT, open_robust, reopened, round_trip
from .declare import PluginTypes, declare_exchange, declare_queue
from .delivery import GONE, message_of, to_message
from .specs import RabbitExchange, RabbitQueue, Subscription

#: RabbitMQ's pseudo-queue for replies without declaring a queue.
DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
DEFAULT_PREFETCH = 10
_log = logging.getLogger("faststream_fastapi.rabbit")
_RECOVERY_DELAY = 0.5
_RECOVERY_MAX_DELAY = 10.0
_PUBLISH_TIMEOUT = 30.0


class _Consumer(Consumption):
    """One queue consumer on its own channel; ``stop`` lets in-flight messages finish."""

    def __init__(
        self,
        channel: AbstractChannel,
        queue: AbstractQueue,
        deliver: Deliver,
        max_workers: int = 1,
        arguments: Mapping[str, Any] | None = None,
    ) -> None:
        self.channel = channel
        self.queue = queue
        self.arguments = dict(arguments) if arguments else None
        self.tag: str | None = None
        self._deliver = deliver
        self._stopping = False
        self._consuming = False
        self._recovery: asyncio.Task[None] | None = None
        self._inflight = InFlight(max_workers)
        if max_workers > 1:
            self.on_delivery = self._on_delivery_workers  # type: ignore[method-assign]

    @property
    def alive(self) -> bool:
        return not self._stopping and self._consuming

    async def consume(self) -> None:
        """Consume on the channel under aio-pika's, as the same consumer tag each time."""
        underlay = await self.channel.get_underlay_channel()
        underlay.on_consumer_cancel_callbacks.add(self._on_cancel)
        ok = await underlay.basic_consume(
            self.queue.name,
            self.on_delivery,
            no_ack=False,
            consumer_tag=self.tag,
            arguments=self.arguments,
        )
        self.tag = ok.consumer_tag
        self._consuming = True

    async def on_reopen(self, _channel: Any) -> None:
        """aio-pika reopened the channel (and declared the queue again): consume again."""
        if self._stopping:
            return
        try:
            await self.consume()
        except Exception:  # aio-pika's callback runner would swallow it unseen
            _log.exception("RabbitMQ queue %r: consuming again failed", self.queue.name)

    def _on_cancel(self, frame: aiormq.spec.Basic.Cancel) -> None:
        # The broker cancelled the consumer (the queue was deleted, say): declare
        # the queue and its bindings again and consume, as aio-pika's own would.
        if frame.consumer_tag != self.tag or self._stopping:
            return
        self._consuming = False
        if self._recovery is None or self._recovery.done():
            self._recovery = asyncio.get_running_loop().create_task(self._recover())

    async def _recover(self) -> None:
        delay = _RECOVERY_DELAY
        while not self._stopping:
            try:
                await self.queue.restore()  # type: ignore[attr-defined]
                await self.consume()
                return
            except Exception as exc:
                _log.warning("RabbitMQ queue %r: consuming again failed: %s", self.queue.name, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RECOVERY_MAX_DELAY)

    async def on_delivery(self, delivered: DeliveredMessage) -> None:
        if self._stopping:
            return  # unsettled: requeued by RabbitMQ when the channel closes
        await self._inflight.deliver(self._deliver, to_message(delivered))

    async def _on_delivery_workers(self, delivered: DeliveredMessage) -> None:
        # aiormq runs each delivery in a task of its own: past ``max_workers`` of
        # them, the rest wait here, prefetched, for a slot.
        inflight = self._inflight
        await inflight.slot()
        if self._stopping:
            return
        try:
            await inflight.deliver(self._deliver, to_message(delivered))
        finally:
            inflight.freed()

    def cancel(self) -> int:
        # Each cancelled delivery is nacked (requeued) before the channel closes.
        return self._inflight.cancel()

    async def stop(self) -> None:
        self._stopping = True
        if self._recovery is not None:
            self._recovery.cancel()
        if isinstance(self.channel, aio_pika.RobustChannel):
            self.channel.reopen_callbacks.discard(self.on_reopen)
        if self.tag is not None and not self.channel.is_closed:
            with contextlib.suppress(*GONE):
                underlay = await self.channel.get_underlay_channel()
                await underlay.basic_cancel(self.tag)
        await self._inflight.wait()
        with contextlib.suppress(*GONE):
            await self.channel.close()


class RabbitTransport(Transport[Subscription]):
    def __init__(
        self,
        url: str = "amqp://guest:guest@localhost:5672/",
        *,
        prefetch_count: int = DEFAULT_PREFETCH,
        **options: Any,
    ) -> None:
        self.url = url
        self.prefetch_count = prefetch_count
        # aio-pika's own ``timeout=`` is the same bound, under its name.
        self.connect_timeout = float(
            options.pop("connect_timeout", options.pop("timeout", DEFAULT_CONNECT_TIMEOUT))
        )
        self.options = options
        self._plugins = PluginTypes(url, self.connect_timeout, options)
        self._probe = Probe(self._round_trip)
        self.connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchanges: dict[str, AbstractExchange] = {}
        self._waiters = ReplyWaiters()
        self._reply_channel: object = None
        self._reply_lock = asyncio.Lock()

    @property
    def channel(self) -> AbstractChannel | None:
        """aio-pika's channel the broker publishes on; ``None`` until connected."""
        return self._channel

    def _publish_channel(self) -> AbstractChannel:
        if self._channel is None:
            raise NotConnectedError("the RabbitMQ broker is not connected; call start() first")
        return self._channel

    async def connect(self) -> None:
        if self.connection is not None:
            return
        connection, self._channel = await open_robust(self.url, self.connect_timeout, self.options)
        self.connection = connection

    async def close(self) -> None:
        for waiter in self._waiters.values():
            waiter.cancel()
        self._waiters.clear()
        self._exchanges.clear()
        self._reply_channel = None
        await self._probe.cancel()
        connection, self.connection, self._channel = self.connection, None, None
        if connection is not None:
            await connection.close()

    def native(self) -> AbstractRobustConnection | None:
        return self.connection

    async def ping(self, timeout: float) -> bool:
        connection = self.connection
        if connection is None or connection.is_closed:
            return False
        return await self._probe(timeout)

    async def _round_trip(self) -> bool:
        channel = self._publish_channel()
        if channel.is_closed and isinstance(channel, aio_pika.RobustChannel):
            await reopened(channel)  # being restored: bounded by the probe's callers
        return await round_trip(channel)

    # -- publishing ---------------------------------------------------------------

    async def _ready_channel(self, timeout: float) -> AbstractChannel:
        channel = self._publish_channel()
        if channel.is_closed and isinstance(channel, aio_pika.RobustChannel):
            # Restored in the background after a reconnection or a channel error.
            await asyncio.wait_for(reopened(channel), timeout)
        return channel

    async def _exchange(
        self, channel: AbstractChannel, exchange: RabbitExchange | str | None
    ) -> AbstractExchange:
        if exchange is None or exchange == "":
            return channel.default_exchange
        if isinstance(exchange, str):
            # By name only: it must exist; declaring it could clash with its type.
            return await channel.get_exchange(exchange, ensure=False)
        declared = self._exchanges.get(exchange.name)
        if declared is None:
            declared = self._exchanges[exchange.name] = await declare_exchange(
                channel, exchange, self._plugins
            )
        return declared

    async def declare(self, queue: RabbitQueue | None, exchange: RabbitExchange | None) -> Any:
        """Declare ``queue`` (bound to ``exchange`` when given) or ``exchange`` alone on
        the publishing channel; aio-pika's queue or exchange object."""
        channel = await self._ready_channel(_PUBLISH_TIMEOUT)
        if queue is None:
            assert exchange is not None
            return await self._exchange(channel, exchange)
        return await declare_queue(channel, Subscription(queue, exchange), self._plugins)

    async def publish(self, envelope: Envelope) -> Any:
        options = envelope.options
        timeout = options.get("timeout") or _PUBLISH_TIMEOUT
        exchange = options.get("exchange")
        where = _where(exchange, envelope.destination)
        try:
            channel = await self._ready_channel(timeout)
            target = await self._exchange(channel, exchange)
            await target.publish(
                _amqp_message(envelope),
                envelope.destination,
                mandatory=options.get("mandatory", True),
                timeout=timeout,
            )
        except aiormq.exceptions.PublishError as exc:
            raise PublishError(
                f"RabbitMQ returned the message {where}: {_reason(exc)} "
                "(no queue is bound for it; publish with mandatory=False to allow that)"
            ) from exc
        except aiormq.exceptions.DeliveryError as exc:
            raise PublishError(f"RabbitMQ refused the message {where}") from exc
        except (TimeoutError, asyncio.TimeoutError) as exc:
            raise PublishError(f"no publisher confirm {where} within {timeout} s") from exc
        except (AMQPError, ChannelInvalidStateError, ConnectionError, OSError) as exc:
            raise PublishError(f"publish {where} failed: {exc!r}") from exc
        return None

    # -- request / reply ------------------------------------------------------------

    async def request(self, envelope: Envelope, timeout: float) -> StreamMessage:
        cid, future = self._waiters.expect(envelope, DIRECT_REPLY_TO)
        try:
            await self._ensure_reply_consumer(timeout)
            await self.publish(envelope)
            try:
                return await asyncio.wait_for(future, timeout)
            except asyncio.TimeoutError:  # not the builtin one before Python 3.11
                where = _where(envelope.options.get("exchange"), envelope.destination)
                raise TimeoutError(f"no reply within {timeout} s to the request {where}") from None
        finally:
            self._waiters.pop(cid, None)

    async def _ensure_reply_consumer(self, timeout: float) -> None:
        """Consume direct reply-to on the publishing channel, as RabbitMQ requires.

        A reopened channel has lost the consumer, so it is re-created then.
        """
        channel = await self._ready_channel(timeout)
        underlay = await channel.get_underlay_channel()
        if self._reply_channel is underlay:
            return
        async with self._reply_lock:
            if self._reply_channel is underlay:
                return
            queue = await channel.get_queue(DIRECT_REPLY_TO, ensure=False)
            if isinstance(queue, aio_pika.RobustQueue):
                await queue.consume(self._on_reply, no_ack=True, robust=False)
            else:
                await queue.consume(self._on_reply, no_ack=True)
            self._reply_channel = underlay

    async def _on_reply(self, raw: AbstractIncomingMessage) -> None:
        message = message_of(StreamMessage, raw.body, raw, raw.routing_key, raw, NO_SETTLER)
        self._waiters.resolve(raw.correlation_id, message)

    # -- consuming ----------------------------------------------------------------

    async def subscribe(self, spec: Subscription, deliver: Deliver) -> Consumption:
        return await self.subscribe_workers(spec, deliver, 1)

    async def subscribe_workers(
        self, spec: Subscription, deliver: Deliver, max_workers: int
    ) -> Consumption:
        """At ``max_workers`` 1 the handlers overlap up to ``prefetch_count``, as
        they always did; above, up to ``max_workers``, and the channel prefetches
        ``prefetch_count`` more, so a slot that frees finds its next message here."""
        connection = self.connection
        if connection is None:
            raise NotConnectedError("the RabbitMQ broker is not connected; call start() first")
        channel = await connection.channel(publisher_confirms=False)
        try:
            prefetch = self.prefetch_count + (max_workers if max_workers > 1 else 0)
            await channel.set_qos(prefetch_count=prefetch)
            queue = await declare_queue(channel, spec, self._plugins)
            consumer = _Consumer(channel, queue, deliver, max_workers, spec.consume_args)
            await consumer.consume()
            if isinstance(channel, aio_pika.RobustChannel):
                channel.reopen_callbacks.add(consumer.on_reopen)
        except aiormq.exceptions.AMQPChannelError as exc:
            with contextlib.suppress(Exception):
                await channel.close()
            bound = f" bound to exchange {spec.exchange.name!r}" if spec.exchange else ""
            raise SetupError(
                f"RabbitMQ refused the subscriber of queue {spec.queue.name!r}{bound}: {exc}"
            ) from exc
        except BaseException:
            with contextlib.suppress(Exception):
                await channel.close()
            raise
        return consumer


def _amqp_message(envelope: Envelope) -> aio_pika.Message:
    options = envelope.options
    headers = envelope.headers
    content_type = headers.get(CONTENT_TYPE)
    if content_type is not None:
        # Native properties carry what AMQP has a field for.
        headers = {k: v for k, v in headers.items() if k != CONTENT_TYPE}
    return aio_pika.Message(
        envelope.body,
        headers=headers or None,  # type: ignore[arg-type]
        content_type=content_type,
        correlation_id=envelope.correlation_id,
        reply_to=envelope.reply_to,
        message_id=options.get("message_id") or uuid.uuid4().hex,
        priority=options.get("priority"),
        expiration=options.get("expiration"),
        delivery_mode=(
            aio_pika.DeliveryMode.PERSISTENT
            if options.get("persist")
            else aio_pika.DeliveryMode.NOT_PERSISTENT
        ),
    )


def _where(exchange: RabbitExchange | str | None, routing_key: str) -> str:
    name = exchange.name if isinstance(exchange, RabbitExchange) else exchange or ""
    return f"to exchange {name or '(default)'!r} with routing key {routing_key!r}"


def _reason(exc: aiormq.exceptions.PublishError) -> str:
    delivery = getattr(exc.message, "delivery", None)
    text = getattr(delivery, "reply_text", None)
    return str(text) if text else "unroutable"

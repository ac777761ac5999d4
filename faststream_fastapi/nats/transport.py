"""The NATS transport on nats-py: core subjects, queue groups and JetStream."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api

from ..core import redact
from ..core.errors import NotConnectedError, PublishError
from ..core.inflight import InFlight
from ..core.message import REPLY_TO, Deliver, Envelope, StreamMessage
from ..core.probe import Probe
from ..core.taskloop import TaskLoop
from ..core.transport import Consumption, Transport
from .connection import explains, log_reconnected, reading, round_trip
from .delivery import CORE_PENDING_BYTES_LIMIT, CORE_PENDING_MSGS_LIMIT, pending_limits, to_message
from .specs import MSG_ID, JStream, NatsSub, subject_matches

__all__ = ["CORE_PENDING_BYTES_LIMIT", "CORE_PENDING_MSGS_LIMIT", "NatsTransport"]

logger = logging.getLogger("faststream_fastapi.nats")

#: Defaults for ``nats.connect``; the caller's options win.
CONNECT_DEFAULTS: dict[str, Any] = {
    # Finite, so a wrong address fails start-up instead of hanging it.
    "connect_timeout": 5,
    "reconnect_time_wait": 2,
    # Once up, a service keeps trying for ever; ``ping`` reports the outage.
    "max_reconnect_attempts": -1,
}

_RETRY_DELAY = 1.0
_STOP_WAIT = 1.0


class _Push(Consumption):
    """A push subscription: nats-py calls ``on_msg`` for one message at a time.

    ``stop`` drains the subscription at once: the server delivers nothing
    more, and what was already received passes through ``on_msg`` and, being
    unstarted, goes straight back to JetStream (``nak``) or, on a core
    subject, is dropped. The message in hand finishes meanwhile (or, cancelled,
    is handed back: after the unsubscribe, so it goes to another consumer).
    """

    def __init__(self, client: Client, deliver: Deliver, *, jetstream: bool) -> None:
        self.sub: Any = None
        self._client = client
        self._deliver = deliver
        self._jetstream = jetstream
        self._stopping = False
        self._inflight = InFlight()

    @property
    def alive(self) -> bool:
        client = self._client
        return not self._stopping and not client.is_closed and reading(client)

    async def on_msg(self, msg: Msg) -> None:
        if self._stopping:
            if self._jetstream:
                with contextlib.suppress(Exception):
                    await msg.nak()
            return
        # Cancelled past the graceful timeout, it returns normally (after a ``nak``):
        # nats-py's delivery task goes on, so the drain can hand back the rest.
        await self._inflight.deliver(self._deliver, to_message(msg, jetstream=self._jetstream))

    def cancel(self) -> int:
        return self._inflight.cancel()

    async def stop(self) -> None:
        self._stopping = True
        sub, self.sub = self.sub, None
        if sub is None or self._client.is_closed:
            await self._inflight.wait()
            return
        # The drain's unsubscribe goes out now; the drain itself ends once the
        # message in hand is done (nats-py counts it as pending until then).
        draining = asyncio.get_running_loop().create_task(sub.drain())
        try:
            await self._inflight.wait()
            await asyncio.wait_for(draining, _STOP_WAIT)
        except Exception:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        finally:
            if not draining.done():  # we were cancelled: do not leave it behind
                draining.cancel()


class _Loop(TaskLoop):
    """A pull loop in a task; ``stop`` lets the message in hand finish, then
    cancels the fetch and runs ``cleanup`` (unsubscribe)."""

    def __init__(
        self,
        run: Callable[[_Loop], Coroutine[Any, Any, None]],
        cleanup: Callable[[], Awaitable[None]],
        client: Client,
    ) -> None:
        self._client = client
        super().__init__(run, cleanup)

    @property
    def alive(self) -> bool:
        # The client's read loop may end while it still says it is connected.
        return not self.task.done() and reading(self._client)

    async def handle(self, deliver: Deliver, message: StreamMessage) -> None:
        await self._inflight.deliver(deliver, message, self.task)


class NatsTransport(Transport[NatsSub]):
    def __init__(self, servers: str | list[str] = "nats://localhost:4222", **options: Any) -> None:
        self.servers = servers
        self.options = options
        self.client: Client | None = None
        self._js: JetStreamContext | None = None
        self._declared: set[tuple[str, tuple[str, ...]]] = set()
        self._probe = Probe(lambda: round_trip(self._client()))

    def _client(self) -> Client:
        client = self.client
        if client is None or client.is_closed:
            raise NotConnectedError("the NATS broker is not connected; call start() first")
        return client

    def _jetstream(self) -> JetStreamContext:
        if self._js is None:
            self._js = self._client().jetstream()
        return self._js

    # -- connection ---------------------------------------------------------------

    async def connect(self) -> None:
        if self.client is not None and not self.client.is_closed:
            return
        options = {**CONNECT_DEFAULTS, **self.options}
        client = Client()
        last_error: list[Exception] = []
        user_error_cb = options.pop("error_cb", None)

        async def error_cb(exc: Exception) -> None:
            # A refused credential or certificate explains a failed start better
            # than the broken pipe of the retry that may follow it.
            if not (last_error and explains(last_error[0])):
                last_error[:] = [exc]
            if user_error_cb is not None:
                await user_error_cb(exc)
            else:
                logger.warning("NATS connection: %s: %s", type(exc).__name__, exc)

        async def disconnected_cb() -> None:
            if self.client is client:  # not our own close()
                logger.warning("NATS connection lost; reconnecting")

        options.setdefault("disconnected_cb", disconnected_cb)
        options.setdefault("reconnected_cb", log_reconnected)
        # nats-py retries the first connection as it reconnects later (for ever
        # with -1); bound it so start-up fails with the cause instead.
        deadline = float(options["connect_timeout"]) + 1.0
        try:
            await asyncio.wait_for(
                client.connect(self.servers, error_cb=error_cb, **options), deadline
            )
        except (asyncio.TimeoutError, TimeoutError, OSError, nats.errors.Error) as exc:
            with contextlib.suppress(Exception):
                await client.close()
            cause = last_error[0] if last_error else exc
            raise ConnectionError(
                f"cannot connect to NATS at {redact.addresses(self.servers)}: "
                f"{type(cause).__name__}: {cause}"
            ) from cause
        self.client = client
        self._js = client.jetstream()
        self._declared.clear()

    async def close(self) -> None:
        await self._probe.cancel()
        client, self.client, self._js = self.client, None, None
        if client is not None and not client.is_closed:
            with contextlib.suppress(Exception):
                await client.flush(timeout=2)
            # Closed during an outage, nats-py's final drain hits the dead socket.
            with contextlib.suppress(ConnectionError, OSError):
                await client.close()

    async def ping(self, timeout: float) -> bool:
        client = self.client
        return client is not None and client.is_connected and await self._probe(timeout)

    # -- streams ------------------------------------------------------------------

    async def ensure_stream(self, stream: JStream, subject: str) -> None:
        """Create ``stream``, or widen its subjects to cover ``subject``."""
        if not stream.declare:
            return
        wanted = stream.subjects if stream.subjects is not None else (subject,)
        key = (stream.name, wanted)
        if key in self._declared:
            return
        js = self._jetstream()
        try:
            info = await js.stream_info(stream.name)
        except nats.js.errors.NotFoundError:
            await js.add_stream(
                api.StreamConfig(name=stream.name, subjects=list(wanted), **stream.config)
            )
        else:
            current = list(info.config.subjects or [])
            # A subject a wider one already captures must not be added: overlap.
            missing = [w for w in wanted if not any(subject_matches(c, w) for c in current)]
            if missing:
                config = dataclasses.replace(
                    info.config, subjects=current + missing, **stream.config
                )
                await js.update_stream(config)
        self._declared.add(key)

    # -- publishing ---------------------------------------------------------------

    def _wire_headers(self, envelope: Envelope) -> dict[str, str]:
        headers = dict(envelope.headers)
        if envelope.correlation_id:
            headers["correlation_id"] = envelope.correlation_id
        return headers

    async def publish(self, envelope: Envelope) -> Any:
        client = self._client()
        headers = self._wire_headers(envelope)
        stream: JStream | None = envelope.options.get("stream")
        subject = envelope.destination
        try:
            if stream is None:
                await client.publish(
                    subject, envelope.body, reply=envelope.reply_to or "", headers=headers
                )
                return None
            if envelope.reply_to:
                headers[REPLY_TO] = envelope.reply_to
            await self.ensure_stream(stream, subject)
            return await self._jetstream().publish(
                subject,
                envelope.body,
                timeout=envelope.options.get("timeout"),
                stream=stream.name,
                headers=headers,
            )
        except nats.js.errors.NoStreamResponseError as exc:
            raise PublishError(f"no JetStream stream captures subject {subject!r}") from exc
        except (nats.errors.Error, asyncio.TimeoutError, TimeoutError, OSError) as exc:
            error = PublishError(
                f"publish to NATS subject {subject!r} failed: {type(exc).__name__}: {exc}"
            )
            # Maybe stored all the same: a retry with this id is stored once.
            error.message_id = headers.get(MSG_ID)
            raise error from exc

    async def request(self, envelope: Envelope, timeout: float) -> StreamMessage:
        client = self._client()
        if envelope.options.get("stream") is not None:
            return await self._stream_request(client, envelope, timeout)
        headers = self._wire_headers(envelope)
        try:
            msg = await client.request(
                envelope.destination, envelope.body, timeout=timeout, headers=headers
            )
        except nats.errors.NoRespondersError:
            # Same outcome as a silent responder, but known at once.
            raise TimeoutError(f"no responder on NATS subject {envelope.destination!r}") from None
        except (nats.errors.TimeoutError, asyncio.TimeoutError) as exc:
            raise TimeoutError(
                f"no reply on NATS subject {envelope.destination!r} within {timeout} s"
            ) from exc
        return to_message(msg, jetstream=False)

    async def _stream_request(
        self, client: Client, envelope: Envelope, timeout: float
    ) -> StreamMessage:
        # JetStream answers a publish's native reply subject with its PubAck, so
        # the handler's reply comes to our own inbox named in a header.
        inbox = client.new_inbox()
        sub = await client.subscribe(inbox, max_msgs=1)
        try:
            envelope.reply_to = inbox
            await self.publish(envelope)
            try:
                msg = await sub.next_msg(timeout=timeout)
            except nats.errors.TimeoutError as exc:
                raise TimeoutError(
                    f"no reply on NATS subject {envelope.destination!r} within {timeout} s"
                ) from exc
            return to_message(msg, jetstream=False)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    # -- consuming ----------------------------------------------------------------

    async def subscribe(self, spec: NatsSub, deliver: Deliver) -> Consumption:
        subject = spec.wire_subject
        if spec.stream is None:
            client = self._client()
            consumer = _Push(client, deliver, jetstream=False)
            consumer.sub = await client.subscribe(
                subject,
                queue=spec.queue or "",
                cb=consumer.on_msg,
                **pending_limits(spec, CORE_PENDING_MSGS_LIMIT, CORE_PENDING_BYTES_LIMIT),
            )
            # Interest is registered once the server has seen it: after this,
            # a publish from any connection reaches us.
            await client.flush()
            return consumer
        await self.ensure_stream(spec.stream, subject)
        js = self._jetstream()
        config = dataclasses.replace(spec.config) if spec.config is not None else None
        if spec.pull_sub is not None:
            psub = await js.pull_subscribe(
                subject, durable=spec.durable, stream=spec.stream.name, config=config
            )
            return self._pull_loop(psub, spec, deliver)
        consumer = _Push(self._client(), deliver, jetstream=True)
        consumer.sub = await js.subscribe(
            subject,
            queue=spec.queue,
            cb=consumer.on_msg,
            durable=spec.durable,
            stream=spec.stream.name,
            config=config,
            manual_ack=True,
            deliver_policy=spec.deliver_policy,
            # Unless set, nats-py's; the consumer's ``max_ack_pending`` bounds it.
            **pending_limits(spec, None, None),
        )
        return consumer

    def _pull_loop(self, psub: Any, spec: NatsSub, deliver: Deliver) -> _Loop:
        pull = spec.pull_sub
        assert pull is not None

        async def run(loop: _Loop) -> None:
            while not loop.stopping:
                try:
                    batch = await psub.fetch(pull.batch_size, timeout=pull.timeout)
                except (nats.errors.TimeoutError, asyncio.TimeoutError):
                    continue
                except nats.errors.ConnectionReconnectingError:
                    await asyncio.sleep(_RETRY_DELAY)
                    continue
                except nats.errors.ConnectionClosedError:
                    return  # for good: the consumption is no longer alive
                waiting = list(reversed(batch))
                try:
                    while waiting and not loop.stopping:
                        await loop.handle(deliver, to_message(waiting.pop(), jetstream=True))
                finally:
                    # Stopped mid-batch: the rest goes back to JetStream now.
                    for msg in reversed(waiting):
                        with contextlib.suppress(Exception):
                            await msg.nak()

        return _Loop(run, cleanup=psub.unsubscribe, client=self._client())

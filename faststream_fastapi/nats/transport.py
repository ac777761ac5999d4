"""The NATS transport on nats-py: core subjects, queue groups and JetStream."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from typing import Any

import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext, api

from ..core import redact
from ..core.errors import NotConnectedError, PublishError
from ..core.message import REPLY_TO, Deliver, Envelope, StreamMessage
from ..core.probe import Probe
from ..core.pulling import Puller
from ..core.transport import Consumption, Transport
from . import pullers
from .buckets import Buckets, watch_loop, watch_puller
from .connection import explains, log_reconnected, round_trip
from .consumers import Push, pull_loop
from .delivery import (
    CORE_PENDING_BYTES_LIMIT,
    CORE_PENDING_MSGS_LIMIT,
    pending_limits,
    queue_consumer_config,
    to_message,
)
from .specs import MSG_ID, JStream, NatsSub, subject_matches

__all__ = ["CORE_PENDING_BYTES_LIMIT", "CORE_PENDING_MSGS_LIMIT", "NatsTransport"]

logger = logging.getLogger("faststream_fastapi.nats")

#: JetStream's "consumer name already in use" (a durable created with another config).
_CONSUMER_NAME_IN_USE = 10013


async def _create_queue_durable(
    js: JetStreamContext, spec: NatsSub, subject: str, config: api.ConsumerConfig
) -> None:
    """Create a queue group's durable with ``config`` before ``js.subscribe`` binds to it.

    Replicas starting together then all send the same config, which the server takes
    as one create; left to nats-py (2.7 to 2.9 give each a random deliver inbox) the
    configs differ and a replica ends up listening where nothing is delivered. A
    durable that already exists with another config is kept, as nats-py would.
    """
    assert spec.stream is not None
    config = dataclasses.replace(
        config,
        durable_name=config.durable_name or spec.durable or spec.queue,
        deliver_group=config.deliver_group or spec.queue,
        filter_subject=config.filter_subject or subject,
    )
    if spec.deliver_policy is not None:
        config.deliver_policy = spec.deliver_policy
    try:
        await js.add_consumer(spec.stream.name, config=config)
    except nats.js.errors.BadRequestError as exc:
        if exc.err_code != _CONSUMER_NAME_IN_USE:
            raise


#: Defaults for ``nats.connect``; the caller's options win.
CONNECT_DEFAULTS: dict[str, Any] = {
    # Finite, so a wrong address fails start-up instead of hanging it.
    "connect_timeout": 5,
    "reconnect_time_wait": 2,
    # Once up, a service keeps trying for ever; ``ping`` reports the outage.
    "max_reconnect_attempts": -1,
}


async def _declare_stream(js: JetStreamContext, stream: JStream, wanted: tuple[str, ...]) -> None:
    """Create ``stream`` with the ``wanted`` subjects, or add those it lacks."""
    try:
        info = await js.stream_info(stream.name)
    except nats.js.errors.NotFoundError:
        await js.add_stream(
            api.StreamConfig(name=stream.name, subjects=list(wanted), **stream.config)
        )
        return
    current = list(info.config.subjects or [])
    # A subject a wider one already captures must not be added: overlap.
    missing = [w for w in wanted if not any(subject_matches(c, w) for c in current)]
    if missing:
        config = dataclasses.replace(info.config, subjects=current + missing, **stream.config)
        await js.update_stream(config)


class NatsTransport(Transport[NatsSub]):
    def __init__(self, servers: str | list[str] = "nats://localhost:4222", **options: Any) -> None:
        self.servers = servers
        self.options = options
        self.client: Client | None = None
        self._js: JetStreamContext | None = None
        self._declared: set[tuple[str, tuple[str, ...]]] = set()
        self.buckets = Buckets()
        self._probe = Probe(lambda: round_trip(self._client()))

    def native(self) -> Client | None:
        return self.client

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
        self.buckets.clear()

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

    async def ensure_stream(self, stream: JStream, *subjects: str) -> None:
        """Create ``stream``, or widen its subjects to cover ``subjects``."""
        if not stream.declare:
            return
        wanted = stream.subjects if stream.subjects is not None else subjects
        key = (stream.name, wanted)
        if key in self._declared:
            return
        await _declare_stream(self._jetstream(), stream, wanted)
        self._declared.add(key)

    async def key_value(self, bucket: str, declare: bool, config: dict[str, Any]) -> Any:
        return await self.buckets.key_value(self._jetstream(), bucket, declare, config)

    async def object_storage(self, bucket: str, declare: bool, config: dict[str, Any]) -> Any:
        return await self.buckets.object_store(self._jetstream(), bucket, declare, config)

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

    async def pull(self, spec: NatsSub) -> Puller:
        """``get_one``'s source for ``spec`` (see ``core.pulling``); a bucket watch's
        is ``buckets.WatchPuller``."""
        if spec.kv_watch is not None or spec.obj_watch is not None:
            return await watch_puller(self.buckets, self._jetstream(), spec)
        if spec.stream is not None:
            await self.ensure_stream(spec.stream, *spec.subjects)
        return await pullers.open_puller(self._client(), self._jetstream(), spec)

    async def subscribe(self, spec: NatsSub, deliver: Deliver) -> Consumption:
        return await self.subscribe_workers(spec, deliver, 1)

    async def subscribe_workers(
        self, spec: NatsSub, deliver: Deliver, max_workers: int
    ) -> Consumption:
        subject = spec.wire_subject
        if spec.kv_watch is not None or spec.obj_watch is not None:
            js, client = self._jetstream(), self._client()
            return await watch_loop(self.buckets, js, client, spec, deliver, max_workers)
        if spec.stream is None:
            client = self._client()
            consumer = Push(client, deliver, jetstream=False, max_workers=max_workers)
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
        await self.ensure_stream(spec.stream, *spec.subjects)
        js = self._jetstream()
        config = dataclasses.replace(spec.config) if spec.config is not None else None
        if spec.pull_sub is not None:
            psub = await js.pull_subscribe(
                subject, durable=spec.durable, stream=spec.stream.name, config=config
            )
            return pull_loop(psub, spec, deliver, self._client(), max_workers)
        consumer = Push(self._client(), deliver, jetstream=True, max_workers=max_workers)
        options: dict[str, Any] = dict(
            queue=spec.queue,
            cb=consumer.on_msg,
            durable=spec.durable,
            stream=spec.stream.name,
            config=queue_consumer_config(self._client(), spec),
            manual_ack=True,
            deliver_policy=spec.deliver_policy,
            # Unless set, nats-py's; the consumer's ``max_ack_pending`` bounds it.
            **pending_limits(spec, None, None),
        )
        if spec.queue and options["config"] is not None:
            await _create_queue_durable(js, spec, subject, options["config"])
        consumer.sub = await js.subscribe(subject, **options)
        return consumer

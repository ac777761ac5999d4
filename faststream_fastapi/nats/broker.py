"""``NatsBroker`` and the plain ``NatsRouter``: NATS names for the core's verbs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nats.aio.client import Client
from nats.js.api import ConsumerConfig, DeliverPolicy
from typing_extensions import Unpack

from ..core.errors import SetupError
from ..core.message import Envelope, StreamMessage
from ..core.options import (
    PublisherOptions,
    PublishOptions,
    RequestOptions,
    SubscriberConfig,
    SubscriberOptions,
)
from ..core.paths import PathPattern, has_params
from ..core.publisher import Publisher
from ..core.registry import Registry
from ..core.routes import PublisherRoute, SubscriberRoute, describe_routes
from ..core.sending import new_id
from ..core.subscriber import Handler
from ..core.views import Spec
from ..security.facade import FacadeBroker, keywords_of
from .descriptor import NATS
from .specs import MSG_ID, JStream, NatsSub, PullSub
from .transport import NatsTransport
from .watch import KvWatch, ObjWatch

NatsMessage = StreamMessage
Stream = str | JStream


def _stream(stream: Stream | None) -> JStream | None:
    if stream is None or isinstance(stream, JStream):
        return stream
    return JStream(stream)


class _NatsDeclarations(Registry):
    """The NATS-flavoured ``subscriber`` and ``publisher`` decorators."""

    descriptor = NATS

    def _pattern_for(self, spec: Spec) -> PathPattern | None:
        if isinstance(spec, NatsSub) and has_params(spec.subject):
            return PathPattern(spec.subject, wildcard="*", token=r"[^.]+")
        return None

    def subscriber(
        self,
        subject: str = "",
        queue: str | None = None,
        *,
        stream: Stream | None = None,
        durable: str | None = None,
        pull_sub: PullSub | bool | None = None,
        deliver_policy: DeliverPolicy | str | None = None,
        config: ConsumerConfig | None = None,
        pending_msgs_limit: int | None = None,
        pending_bytes_limit: int | None = None,
        kv_watch: str | KvWatch | None = None,
        obj_watch: bool | ObjWatch = False,
        **options: Unpack[SubscriberOptions],
    ) -> Callable[[Callable[..., Any]], Handler]:
        """Handle messages on ``subject`` (``*``/``>`` wildcards, ``{name}`` parts).

        Without ``stream`` it is a core NATS subscription: at-most-once, no
        acks. ``queue`` joins a queue group whose members share the messages.
        With ``stream`` (a name or a ``JStream``) a JetStream consumer delivers
        with explicit acks: push by default, pull in batches with ``pull_sub``;
        ``durable`` names a consumer that outlives restarts. ``deliver_policy``
        (``"all"``, the NATS default, ``"new"``, ``"last"``, ...) and ``config``
        (a ``nats.js.api.ConsumerConfig``: ``ack_wait``, ``max_deliver``, ...)
        tune the consumer. A push consumer being stopped hands messages it had
        not started back (``nak``); a pull consumer does the same with the rest
        of its batch. ``pending_msgs_limit`` / ``pending_bytes_limit`` bound what
        a push subscription queues in the process (core default: 10,000
        messages / 16 MiB; past them nats-py drops messages as a slow consumer).
        ``kv_watch`` (a bucket or a ``KvWatch``) watches the keys ``subject``
        matches in a key-value bucket; ``obj_watch`` (``True`` or an ``ObjWatch``)
        the object store named ``subject``: see ``watch.py``. A JetStream
        consumer whose ``config`` has ``filter_subjects`` takes those subjects;
        ``subject`` may then be left out.
        """
        js = _stream(stream)
        if not subject and not (js is not None and config and config.filter_subjects):
            raise SetupError(
                "subscriber() needs a subject, or stream= and config=ConsumerConfig("
                "filter_subjects=[...]) naming the subjects of its JetStream consumer"
            )
        kv, obj = KvWatch.validate(kv_watch), ObjWatch.validate(obj_watch)
        if kv is not None or obj is not None:
            options_given = (queue, durable, pull_sub, deliver_policy, config)
            limits = (pending_msgs_limit, pending_bytes_limit)
            _check_watch(subject, kv, obj, js, *options_given, *limits)
        if js is None and (durable or pull_sub or deliver_policy is not None or config):
            raise SetupError(
                f"subscriber {subject!r}: durable=, pull_sub=, deliver_policy= and "
                "config= are JetStream options; give stream= too"
            )
        if pull_sub is True:
            pull_sub = PullSub()
        elif pull_sub is False:
            pull_sub = None
        if pull_sub is not None and (pending_msgs_limit, pending_bytes_limit) != (None, None):
            raise SetupError(
                f"subscriber {subject!r}: a pull consumer holds one batch (PullSub.batch_size); "
                "pending_msgs_limit= and pending_bytes_limit= are for push subscriptions"
            )
        if pull_sub is not None and queue:
            raise SetupError(
                f"subscriber {subject!r}: pull consumers share work through durable=, not queue="
            )
        spec = NatsSub(
            subject,
            queue=queue or None,
            stream=js,
            durable=durable,
            pull_sub=pull_sub,
            deliver_policy=DeliverPolicy(deliver_policy) if deliver_policy else None,
            config=config,
            pending_msgs_limit=pending_msgs_limit,
            pending_bytes_limit=pending_bytes_limit,
            kv_watch=kv,
            obj_watch=obj,
        )
        return self._add_subscriber(
            spec, SubscriberConfig.of(options, where=f"{type(self).__name__}.subscriber()")
        )

    def publisher(
        self,
        subject: str,
        *,
        stream: Stream | None = None,
        **options: Unpack[PublisherOptions],
    ) -> Publisher:
        """Publish handlers' return values to ``subject``; through JetStream with ``stream``."""
        return self._add_publisher(NatsSub(subject, stream=_stream(stream)), **options)


def _check_watch(
    subject: str, kv: KvWatch | None, obj: ObjWatch | None, js: JStream | None, *others: Any
) -> None:
    """A bucket watch takes none of a subscription's options (FastStream 0.5 ignores
    some with a warning; here they are an error, not silently without effect)."""
    if kv is not None and obj is not None:
        raise SetupError(f"subscriber {subject!r}: kv_watch= and obj_watch= exclude each other")
    if js is not None or any(o not in (None, False, "") for o in others):
        raise SetupError(
            f"subscriber {subject!r}: a kv_watch= or obj_watch= subscriber watches a bucket; "
            "stream=, queue=, durable=, pull_sub=, deliver_policy=, config= and the "
            "pending limits are for subscriptions"
        )


class NatsRouter(_NatsDeclarations):
    """Groups NATS subscribers and publishers, optionally under a subject ``prefix``."""


if TYPE_CHECKING:
    from collections.abc import Sequence

    from .keywords import NatsKeywords


class NatsBroker(_NatsDeclarations, FacadeBroker):
    """A NATS connection: core subjects, queue groups and JetStream streams.

    nats-py's keywords go to ``nats.connect`` (``user``, ``password``,
    ``token``, ``tls``, ``name``, ...); ``security=`` (``faststream_fastapi.security``)
    sets TLS and credentials. Defaults differ from nats-py's in one
    way: after the first connection the client reconnects for ever
    (``max_reconnect_attempts=-1``), as a long-running service should; the
    first connection is bounded by ``connect_timeout`` (5 s) so start-up fails
    with its cause.

    The default ack policy is ``REJECT_ON_ERROR``: a JetStream message whose
    handler raised is terminated (``term``), so one poison message cannot loop
    for ever; pick ``NACK_ON_ERROR`` (``nak``, redelivered) for transient
    failures, ideally with ``max_deliver`` in the consumer ``config``.
    """

    default_address = "nats://localhost:4222"

    if TYPE_CHECKING:  # the constructor's keywords by name and type (``keywords.py``)

        def __init__(
            self, servers: str | Sequence[str] | None = None, **kwargs: Unpack[NatsKeywords]
        ) -> None: ...

    transport_class = NatsTransport
    client_keywords = keywords_of(Client.connect, skip=["servers"])

    def envelope_for(
        self, spec: Spec, body: bytes, headers: dict[str, str], options: dict[str, Any]
    ) -> Envelope:
        message_id = options.pop("message_id", None)
        if message_id is not None:
            headers[MSG_ID] = message_id
        if isinstance(spec, NatsSub) and spec.stream is not None:
            options.setdefault("stream", spec.stream)
            # JetStream drops a second message with the same id within the stream's
            # ``duplicate_window``: a retry that reuses it is stored once.
            if MSG_ID not in headers:
                headers[MSG_ID] = new_id()
        return Envelope(spec.name, body, headers, options=options)

    def retry_spec(self, spec: Spec, message: StreamMessage) -> Spec:
        # A wildcard or ``{name}`` subscription retries to the message's own subject.
        if isinstance(spec, NatsSub) and message.destination:
            return dataclasses.replace(spec, subject=message.destination)
        return spec

    def reply_spec(self, reply_to: str) -> Spec:
        return NatsSub(reply_to)

    async def publish(
        self,
        message: Any = None,
        subject: str = "",
        *,
        stream: Stream | None = None,
        timeout: float | None = None,
        message_id: str | None = None,
        **options: Unpack[PublishOptions],
    ) -> Any:
        """Publish to ``subject``. With ``stream``, through JetStream: waits for the
        stream's acknowledgement (returned, a ``PubAck``) and raises
        ``PublishError`` if no stream stored the message.

        A JetStream message carries a ``Nats-Msg-Id`` header: ``message_id``, or a
        new id per publish. A failed publish may have been stored all the same;
        its ``PublishError.message_id`` is the id it carried, and publishing again
        with ``message_id=`` that id within the stream's ``duplicate_window`` (2
        minutes by default) stores the message once (the ``PubAck`` says
        ``duplicate=True`` if the first attempt had been stored).
        """
        spec = NatsSub(subject, stream=_stream(stream))
        extra: dict[str, Any] | None = {"timeout": timeout} if timeout is not None else None
        if message_id is not None:
            extra = {**(extra or {}), "message_id": message_id}
        return await self.send(message, spec, options=extra, **options)

    async def key_value(self, bucket: str, *, declare: bool = True, **config: Any) -> Any:
        """The nats-py ``KeyValue`` of ``bucket``, opened once per connection.

        A missing bucket is created with ``config`` (``KeyValueConfig`` keywords:
        ``history``, ``ttl``, ``max_bytes``, ...) unless ``declare=False``; an
        existing one is opened as it is.
        """
        return await self.transport.key_value(bucket, declare, config)  # type: ignore[attr-defined]

    async def object_storage(self, bucket: str, *, declare: bool = True, **config: Any) -> Any:
        """The nats-py ``ObjectStore`` of ``bucket``, as ``key_value`` opens buckets
        (``ObjectStoreConfig`` keywords)."""
        return await self.transport.object_storage(bucket, declare, config)  # type: ignore[attr-defined]

    async def request(
        self,
        message: Any = None,
        subject: str = "",
        *,
        stream: Stream | None = None,
        **options: Unpack[RequestOptions],
    ) -> StreamMessage:
        """Publish and wait for the handler's reply (NATS request/reply with an inbox).

        Raises ``TimeoutError`` if no reply comes within ``timeout`` seconds,
        or at once when nobody subscribes to ``subject``. For a subject that a
        JetStream stream captures, pass ``stream``: the request is then stored
        and the reply comes to a private inbox (otherwise the stream's own
        acknowledgement would answer first).
        """
        return await self._request(message, NatsSub(subject, stream=_stream(stream)), **options)


class NatsRoute(SubscriberRoute):
    """A handler for ``NatsRouter(handlers=[...])``: ``NatsRoute(handler, "subject", ...,
    publishers=[NatsPublisher(...)])`` takes what ``subscriber()`` takes (FastStream 0.5)."""


class NatsPublisher(PublisherRoute):
    """One of a ``NatsRoute``'s ``publishers=``: what ``publisher()`` takes."""


describe_routes(NatsRoute, NatsPublisher, _NatsDeclarations)

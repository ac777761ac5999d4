"""``RabbitBroker`` and the plain ``RabbitRouter``: RabbitMQ names for the core's verbs."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

import aio_pika
from aio_pika.robust_connection import RobustConnection
from typing_extensions import Unpack

from ..core.message import CONTENT_TYPE, Envelope, StreamMessage
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
from ..core.response import Response
from ..core.routes import PublisherRoute, SubscriberRoute, describe_routes
from ..core.subscriber import Handler
from ..core.views import Spec
from ..security.facade import FacadeBroker, Factory, keywords_of, own
from .connect import DEFAULT_CONNECT_TIMEOUT, with_address
from .descriptor import RABBIT
from .reply import ReplyConfig
from .specs import (
    Destination,
    Expiration,
    RabbitExchange,
    RabbitQueue,
    Subscription,
    as_exchange,
    as_queue,
)
from .transport import DEFAULT_PREFETCH, RabbitTransport

RabbitMessage = StreamMessage
#: Keywords that rewrite the broker's URL, as in FastStream 0.5.
_ADDRESS_PARTS = ("host", "port", "virtualhost")
Queue = str | RabbitQueue
Exchange = str | RabbitExchange | None


def _destination(
    queue: Queue,
    exchange: Exchange,
    routing_key: str,
    *,
    persist: bool = False,
    priority: int | None = None,
    expiration: Expiration | None = None,
    mandatory: bool = True,
) -> Destination:
    # Without a routing key: through an exchange, the queue's binding key;
    # through the default exchange, the queue name (as RabbitMQ routes).
    if routing_key:
        key = routing_key
    elif isinstance(queue, RabbitQueue):
        key = queue.binding_key if exchange else queue.name
    else:
        key = queue
    return Destination(
        key,
        exchange or None,
        persist=persist,
        priority=priority,
        expiration=expiration,
        mandatory=mandatory,
        queue=as_queue(queue) if queue else None,
    )


class _RabbitDeclarations(Registry):
    """The RabbitMQ-flavoured ``subscriber`` and ``publisher`` decorators."""

    descriptor = RABBIT

    def _pattern_for(self, spec: Spec) -> PathPattern | None:
        # Path parameters come from the routing key a message was published with.
        if isinstance(spec, Subscription) and spec.exchange is not None:
            key = spec.queue.binding_pattern
            if has_params(key):
                return PathPattern(key, wildcard="*", token=r"[^.]+")
        return None

    def subscriber(
        self,
        queue: Queue,
        exchange: Exchange = None,
        *,
        reply_config: ReplyConfig | None = None,
        consume_args: Mapping[str, Any] | None = None,
        **options: Unpack[SubscriberOptions],
    ) -> Callable[[Callable[..., Any]], Handler]:
        """Consume ``queue``, declared on start and bound to ``exchange`` if given.

        The binding key is the queue's ``routing_key`` (default: its name);
        ``"logs.{level}"`` binds as ``logs.*`` and fills ``level: str = Path()``.
        ``consume_args`` go with ``basic.consume`` (``{"x-stream-offset": "first"}``).
        ``reply_config`` (FastStream 0.5's, deprecated there since 0.5.16) sets
        ``persist`` / ``mandatory`` of the replies to requests.
        """
        if reply_config is not None:
            warnings.warn(
                "reply_config= is deprecated since FastStream 0.5.16 (removed in 0.6); "
                "faststream_fastapi keeps it for migration",
                DeprecationWarning,
                stacklevel=2,
            )
        return self._add_subscriber(
            Subscription(as_queue(queue), as_exchange(exchange), reply_config, consume_args),
            SubscriberConfig.of(options, where=f"{type(self).__name__}.subscriber()"),
        )

    def publisher(
        self,
        queue: Queue = "",
        exchange: Exchange = None,
        *,
        routing_key: str = "",
        persist: bool = False,
        priority: int | None = None,
        expiration: Expiration | None = None,
        mandatory: bool = False,
        **options: Unpack[PublisherOptions],
    ) -> Publisher:
        """A destination for handlers' return values, or to ``publish`` to directly.

        Not ``mandatory`` by default: a return value no queue is bound for is
        dropped by RabbitMQ rather than failing the message that produced it
        (as FastAPI users expect of a handler whose output nobody consumes yet).
        Pass ``mandatory=True`` to make that an error of the handler.
        """
        spec = _destination(
            queue,
            exchange,
            routing_key,
            persist=persist,
            priority=priority,
            expiration=expiration,
            mandatory=mandatory,
        )
        return self._add_publisher(spec, **options)


class RabbitRouter(_RabbitDeclarations):
    """Groups RabbitMQ subscribers and publishers, optionally under a name ``prefix``.

    The prefix goes in front of queue names and routing keys.
    """


if TYPE_CHECKING:
    from yarl import URL

    from .keywords import RabbitKeywords


class RabbitBroker(_RabbitDeclarations, FacadeBroker):
    """A RabbitMQ connection (aio-pika, robust: it reconnects and re-creates consumers).

    ``prefetch_count`` (default 10) bounds the unacknowledged messages each
    subscriber holds, which is also how many of its handler calls run at
    once: enough to hide the network round trip, few enough that a slow
    handler does not hoard messages other consumers could take, and that a
    crash redelivers little. ``host=``, ``port=`` and ``virtualhost=`` rewrite
    the URL (``broker.url`` is the URL connected to, ``security=`` applied);
    aio-pika's keywords go to ``aio_pika.connect_robust``. ``connect_timeout``
    (default 10 s, aio-pika's ``timeout`` too) bounds connecting, so an address
    that accepts TCP and never answers fails start-up instead of hanging it.

    A message ``publish`` sends that no queue takes is dropped, as in FastStream
    0.5; ``on_return_raises=True`` makes it a ``PublishError`` (for ``mandatory``
    publishes, the default).
    """

    default_address = "amqp://guest:guest@localhost:5672/"
    transport_class = RabbitTransport

    if TYPE_CHECKING:  # the constructor's keywords by name and type (``keywords.py``)

        def __init__(
            self, url: str | URL | None = None, **kwargs: Unpack[RabbitKeywords]
        ) -> None: ...

    client_keywords = (
        own("prefetch_count", DEFAULT_PREFETCH, "int"),
        own("max_consumers", None, "int | None"),
        own("on_return_raises", False, "bool"),
        own("connect_timeout", DEFAULT_CONNECT_TIMEOUT, "float"),
        *keywords_of(aio_pika.connect_robust, skip=["url", "loop", "connection_class"]),
        *(own(p.name, None, "Any") for p in RobustConnection.PARAMETERS),
    )
    #: Whether ``publish`` raises for a message RabbitMQ returns (no queue took it).
    on_return_raises: bool

    def _client(self, address: Any, options: dict[str, Any]) -> tuple[Any, Factory]:
        self.on_return_raises = bool(options.pop("on_return_raises", False))
        # FastStream 0.5's ``max_consumers`` (its channel's prefetch) is ``prefetch_count``.
        legacy = options.pop("max_consumers", None)
        prefetch_count = options.pop("prefetch_count", legacy or DEFAULT_PREFETCH)
        where = {k: options.pop(k) for k in _ADDRESS_PARTS if k in options}
        return with_address(address, **where), partial(
            RabbitTransport, prefetch_count=prefetch_count
        )

    def _built(self, transport: Any) -> None:
        # As FastStream 0.5 builds it: host, port, virtual host and security applied.
        self.url: str = transport.url

    def envelope_for(
        self, spec: Spec, body: bytes, headers: dict[str, str], options: dict[str, Any]
    ) -> Envelope:
        if not isinstance(spec, Destination):
            if isinstance(spec, Subscription):  # publishing "to a subscriber": its queue
                spec = Destination(spec.queue.name)
            else:
                spec = Destination(spec.name)
        merged = spec.options()
        if options:
            merged.update(options)
        return Envelope(spec.routing_key, body, headers, options=merged)

    def reply_spec(self, reply_to: str) -> Spec:
        # Through the default exchange; not mandatory: a requester that gave up
        # must not fail the handler's message.
        return Destination(reply_to, mandatory=False)

    async def publish(
        self,
        message: Any = None,
        queue: Queue = "",
        exchange: Exchange = None,
        *,
        routing_key: str = "",
        message_id: str | None = None,
        priority: int | None = None,
        expiration: Expiration | None = None,
        persist: bool = False,
        mandatory: bool = True,
        timeout: float | None = None,
        **options: Unpack[PublishOptions],
    ) -> Any:
        """Publish to ``exchange`` (default: the default exchange) with ``routing_key``
        (default: the queue name), waiting for the broker's confirm.

        ``expiration`` is in seconds; ``persist`` makes the message survive a
        broker restart on a durable queue. A message no queue takes is dropped,
        as in FastStream 0.5; with ``RabbitBroker(on_return_raises=True)`` a
        ``mandatory`` one (the default) raises ``PublishError`` instead. An
        exchange given by name must exist; a ``RabbitExchange`` is declared first.
        """
        if isinstance(message, aio_pika.Message):  # as FastStream 0.5 publishes one
            message, message_id, priority = _from_aio_pika(message, message_id, priority)
        spec = _destination(
            queue,
            exchange,
            routing_key,
            persist=persist,
            priority=priority,
            expiration=expiration,
            mandatory=mandatory and self.on_return_raises,
        )
        extra: dict[str, Any] = {}
        if message_id is not None:
            extra["message_id"] = message_id
        if timeout is not None:
            extra["timeout"] = timeout
        return await self.send(message, spec, options=extra, **options)

    async def request(
        self,
        message: Any = None,
        queue: Queue = "",
        exchange: Exchange = None,
        *,
        routing_key: str = "",
        priority: int | None = None,
        expiration: Expiration | None = None,
        persist: bool = False,
        **options: Unpack[RequestOptions],
    ) -> StreamMessage:
        """Publish and wait up to ``timeout`` s for the handler's reply (direct reply-to)."""
        spec = _destination(
            queue, exchange, routing_key, persist=persist, priority=priority, expiration=expiration
        )
        return await self._request(message, spec, **options)

    async def declare_queue(self, queue: RabbitQueue) -> Any:
        """Declare ``queue`` on the server now (FastStream 0.5): aio-pika's queue
        (``None`` under ``TestRabbitBroker``). Subscribers declare their own."""
        return await self.transport.declare(queue, None)  # type: ignore[attr-defined]

    async def declare_exchange(self, exchange: RabbitExchange) -> Any:
        """Declare ``exchange`` on the server now (FastStream 0.5): aio-pika's
        exchange (``None`` under ``TestRabbitBroker``)."""
        return await self.transport.declare(None, exchange)  # type: ignore[attr-defined]


def _from_aio_pika(
    message: aio_pika.Message, message_id: str | None, priority: int | None
) -> tuple[Response, str | None, int | None]:
    """An aio-pika ``Message`` given to ``publish``: its body, headers, content type,
    correlation id, message id and priority (the keywords given win)."""
    headers = {k: str(v) for k, v in (message.headers or {}).items()}
    if message.content_type:
        headers.setdefault(CONTENT_TYPE, message.content_type)
    body = Response(message.body, headers=headers, correlation_id=message.correlation_id)
    return body, message_id or message.message_id, priority or message.priority


class RabbitRoute(SubscriberRoute):
    """A handler for ``RabbitRouter(handlers=[...])``: ``RabbitRoute(handler, "queue", ...,
    publishers=[RabbitPublisher(...)])`` takes what ``subscriber()`` takes (FastStream 0.5)."""


class RabbitPublisher(PublisherRoute):
    """One of a ``RabbitRoute``'s ``publishers=``: what ``publisher()`` takes."""


describe_routes(RabbitRoute, RabbitPublisher, _RabbitDeclarations)

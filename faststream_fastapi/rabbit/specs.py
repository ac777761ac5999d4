"""What a RabbitMQ subscriber consumes from and a publisher sends to."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field, replace
from enum import Enum
from typing import Any

from ..core.paths import PathPattern
from ..core.spec import Bindings, Channels, NamedSpec
from . import bindings05
from .reply import ReplyConfig

#: Seconds (or a timedelta / an absolute datetime), as aio-pika takes it.
Expiration = int | float | datetime.timedelta | datetime.datetime


class ExchangeType(str, Enum):
    """How an exchange picks the queues a message goes to."""

    #: Queues whose binding key equals the routing key.
    DIRECT = "direct"
    #: Every bound queue; the routing key is ignored.
    FANOUT = "fanout"
    #: Binding keys with ``*`` (one word) and ``#`` (zero or more words).
    TOPIC = "topic"
    #: Binding arguments matched against headers (``x-match``: ``all`` or ``any``).
    HEADERS = "headers"
    #: Holds each message for its ``x-delay`` header's milliseconds, then routes it
    #: as its ``x-delayed-type`` argument says (default here: direct). A plugin's.
    X_DELAYED_MESSAGE = "x-delayed-message"
    #: One bound queue per message, by a hash of its routing key (or of the header
    #: the ``hash-header`` argument names), weighted by binding key. A plugin's.
    X_CONSISTENT_HASH = "x-consistent-hash"
    #: One bound queue per message, by its routing key's hash modulo their number
    #: (the sharding plugin's).
    X_MODULUS_HASH = "x-modulus-hash"


@dataclass(frozen=True)
class RabbitExchange:
    """An exchange, declared when a subscriber bound to it starts.

    Names starting with ``amq.`` are RabbitMQ's own: they are looked up
    (declared passively), never created.
    """

    name: str
    type: ExchangeType = ExchangeType.DIRECT
    _: KW_ONLY
    durable: bool = False
    auto_delete: bool = False
    passive: bool = False
    arguments: Mapping[str, Any] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        # ``type="topic"`` is as good as ``ExchangeType.TOPIC``.
        object.__setattr__(self, "type", ExchangeType(self.type))

    @property
    def must_exist(self) -> bool:
        return self.passive or self.name.startswith("amq.")


@dataclass(frozen=True)
class RabbitQueue:
    """A queue, declared (and bound) when its subscriber starts.

    ``routing_key`` is the binding key to an exchange (default: the queue
    name); ``{name}`` parts in it bind as ``*`` and fill ``Path()`` parameters.
    ``bind_arguments`` are the binding's arguments, which is what a headers
    exchange matches on; without them a headers binding uses ``arguments``.
    Dead-lettering is configured here: ``arguments={"x-dead-letter-exchange":
    ..., "x-dead-letter-routing-key": ...}``.
    """

    name: str
    _: KW_ONLY
    durable: bool = False
    auto_delete: bool = False
    exclusive: bool = False
    passive: bool = False
    arguments: Mapping[str, Any] | None = field(default=None, hash=False)
    routing_key: str | None = None
    bind_arguments: Mapping[str, Any] | None = field(default=None, hash=False)

    @property
    def binding_pattern(self) -> str:
        """The routing key as written, ``{name}`` parts included."""
        return self.routing_key or self.name

    @property
    def binding_key(self) -> str:
        """The binding key RabbitMQ gets: ``{name}`` parts become ``*``."""
        return PathPattern(self.binding_pattern).subscription

    def with_prefix(self, prefix: str) -> RabbitQueue:
        key = prefix + self.routing_key if self.routing_key else None
        return replace(self, name=prefix + self.name, routing_key=key)


@dataclass(frozen=True)
class Subscription:
    """A subscriber's source: a queue, bound to ``exchange`` when one is given;
    ``reply`` sets how its replies are published, ``consume_args`` are the
    ``basic.consume`` arguments (``{"x-stream-offset": "first"}`` for a stream)."""

    queue: RabbitQueue
    exchange: RabbitExchange | None = None
    reply: ReplyConfig | None = field(default=None, compare=False)
    consume_args: Mapping[str, Any] | None = field(default=None, compare=False)

    @property
    def reply_options(self) -> dict[str, Any] | None:
        """The publish options of replies, if ``reply_config=`` set any (``pipeline``)."""
        return self.reply.publish_options() if self.reply is not None else None

    @property
    def name(self) -> str:
        return self.queue.name

    def asyncapi_legacy_channels(self, *, receive: bool, vhost: str | None = None) -> Channels:
        """The channel as FastStream 0.5 described it (2.6.0 documents)."""
        return [(self.name, bindings05.subscription(self.queue, self.exchange, vhost or "/"))]

    @property
    def asyncapi_prefix(self) -> str:
        """How FastStream 0.5 began the channel's name: ``queue:exchange``."""
        exchange = self.exchange.name if self.exchange is not None else ""
        return f"{self.queue.name}:{exchange or '_'}"

    def with_prefix(self, prefix: str) -> Subscription:
        return replace(self, queue=self.queue.with_prefix(prefix))

    def asyncapi_channels(self, *, receive: bool, vhost: str | None = None) -> Channels:
        return [(self.name, queue_bindings(self.queue, self.exchange, vhost))]

    def binding_arguments(self) -> Mapping[str, Any] | None:
        queue = self.queue
        if queue.bind_arguments is not None:
            return queue.bind_arguments
        if self.exchange is not None and self.exchange.type is ExchangeType.HEADERS:
            return queue.arguments
        return None


@dataclass(frozen=True)
class Destination(NamedSpec):
    """Where a publish goes: an exchange (``None``: the default one) and a
    routing key, plus the delivery properties a publisher always sets."""

    named_by = "routing_key"

    routing_key: str
    exchange: RabbitExchange | str | None = None
    _: KW_ONLY
    persist: bool = False
    priority: int | None = None
    expiration: Expiration | None = None
    mandatory: bool = True
    #: The queue the publisher was given, if any: described in the 2.6.0 document
    #: (FastStream 0.5's); it plays no part in publishing.
    queue: RabbitQueue | None = field(default=None, compare=False)

    def with_prefix(self, prefix: str) -> Destination:
        queue = self.queue.with_prefix(prefix) if self.queue is not None else None
        return replace(self, routing_key=prefix + self.routing_key, queue=queue)

    def asyncapi_channels(self, *, receive: bool, vhost: str | None = None) -> Channels:
        return [(self.name, destination_bindings(self, vhost))]

    def asyncapi_legacy_channels(self, *, receive: bool, vhost: str | None = None) -> Channels:
        """The channel as FastStream 0.5 described it (2.6.0 documents)."""
        return [(self.name, bindings05.destination(self, vhost or "/"))]

    @property
    def asyncapi_prefix(self) -> str:
        """How FastStream 0.5 began the channel's name: ``routing_key:exchange`` (the key
        ``_`` where the exchange routes without one: fanout, headers)."""
        exchange = self.exchange
        key = self.routing_key if bindings05.routes_by_key(exchange) else ""
        if exchange is not None and not isinstance(exchange, str):
            exchange = exchange.name
        return f"{key or '_'}:{exchange or '_'}"

    def options(self) -> dict[str, Any]:
        return {
            "exchange": self.exchange,
            "persist": self.persist,
            "priority": self.priority,
            "expiration": self.expiration,
            "mandatory": self.mandatory,
        }


def as_queue(queue: str | RabbitQueue) -> RabbitQueue:
    return queue if isinstance(queue, RabbitQueue) else RabbitQueue(queue)


def as_exchange(exchange: str | RabbitExchange | None) -> RabbitExchange | None:
    if exchange is None or isinstance(exchange, RabbitExchange):
        return exchange
    return RabbitExchange(exchange)


# -- AsyncAPI AMQP bindings (binding version 0.3.0) -------------------------------

AMQP_BINDING_VERSION = "0.3.0"


def queue_bindings(
    queue: RabbitQueue, exchange: RabbitExchange | None, vhost: str | None
) -> Bindings:
    """A subscriber's channel: its queue, and the exchange it is bound to."""
    described: dict[str, Any] = {
        "name": queue.name,
        "durable": queue.durable,
        "exclusive": queue.exclusive,
        "autoDelete": queue.auto_delete,
    }
    if vhost:
        described["vhost"] = vhost
    channel: dict[str, Any] = {"is": "queue", "queue": described}
    # A queue channel may not also name an exchange (the binding's oneOf),
    # so the exchange it is bound to goes in extensions.
    if exchange is not None:
        channel["x-exchange"] = _exchange(exchange, vhost)
        if queue.binding_pattern:
            channel["x-routingKey"] = queue.binding_pattern
    channel["bindingVersion"] = AMQP_BINDING_VERSION
    return Bindings(
        channel={"amqp": channel},
        operation={"amqp": {"cc": [queue.name], "bindingVersion": AMQP_BINDING_VERSION}},
    )


def destination_bindings(destination: Destination, vhost: str | None) -> Bindings:
    """A publisher's channel: the exchange and routing key, and the delivery properties."""
    channel = {
        "is": "routingKey",
        "exchange": _exchange(destination.exchange, vhost),
        "bindingVersion": AMQP_BINDING_VERSION,
    }
    operation: dict[str, Any] = {
        "cc": [destination.routing_key],
        "deliveryMode": 2 if destination.persist else 1,
        "mandatory": destination.mandatory,
    }
    if isinstance(destination.priority, int):
        operation["priority"] = destination.priority
    expiration = _milliseconds(destination.expiration)
    if expiration is not None:
        operation["expiration"] = expiration
    operation["bindingVersion"] = AMQP_BINDING_VERSION
    return Bindings(channel={"amqp": channel}, operation={"amqp": operation})


def _exchange(exchange: RabbitExchange | str | None, vhost: str | None) -> dict[str, Any]:
    if not exchange:
        out: dict[str, Any] = {"type": "default"}
    elif isinstance(exchange, str):
        out = {"name": exchange, "type": "direct"}
    elif not exchange.name:
        out = {"type": "default", "durable": exchange.durable, "autoDelete": exchange.auto_delete}
    else:
        out = {
            "name": exchange.name,
            "type": exchange.type.value,
            "durable": exchange.durable,
            "autoDelete": exchange.auto_delete,
        }
    if vhost:
        out["vhost"] = vhost
    return out


def _milliseconds(value: float | datetime.timedelta | datetime.datetime | None) -> int | None:
    """An expiration in whole milliseconds; ``None`` for none or an absolute time."""
    if isinstance(value, bool) or value is None or isinstance(value, datetime.datetime):
        return None
    if isinstance(value, int | float):
        return max(0, int(value * 1000))
    return max(0, int(value.total_seconds() * 1000))

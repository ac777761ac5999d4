"""Bounded names for metrics and spans: which broker, which declared destination."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from ..core.ack import RULES, AckPolicy
from ..core.context import current_message
from ..core.descriptor import BrokerDescriptor, descriptor_of
from ..core.message import Envelope, StreamMessage

logger = logging.getLogger("faststream_fastapi")

#: The destination label of a reply: reply-to addresses are per-requester inboxes.
REPLY = "reply"


def _named(owner: Any, what: Callable[[BrokerDescriptor], str]) -> str:
    # A subscriber's root broker is tried first: it is what carries the messages.
    with contextlib.suppress(Exception):  # a router not included anywhere yet
        owner = owner.root()
    # A FastAPI StreamRouter is named by the broker it holds.
    descriptor = descriptor_of(owner) or descriptor_of(getattr(owner, "broker", None))
    if descriptor is not None:
        return what(descriptor)
    return "memory" if getattr(owner, "testing", False) else "unknown"


def broker_kind(owner: Any) -> str:
    """``kafka``, ``confluent``, ``rabbit``, ``nats`` or ``redis``: the broker's label.

    ``owner`` is a broker, a router or a FastAPI ``StreamRouter``; the bare
    core broker is ``memory`` in a test broker, else ``unknown``.
    """
    return _named(owner, attrgetter("label"))


def messaging_system(owner: Any) -> str:
    """OpenTelemetry's ``messaging.system`` of a broker or router: ``rabbitmq``, ``kafka``, ..."""
    return _named(owner, attrgetter("system"))


#: ``messaging_system`` of RabbitMQ, whose destinations are named with their exchange.
RABBITMQ = "rabbitmq"


def exchange_name(exchange: Any) -> str:
    """A RabbitMQ exchange (object, name or ``None``) as labels name it: ``default`` if nameless."""
    return str(getattr(exchange, "name", exchange) or "default")


def handler_label(subscriber: Any) -> str:
    """A subscriber's ``handler`` label and span destination, as FastStream 0.5 names it.

    Its declared name (a pattern stays a pattern); a RabbitMQ subscriber's is
    ``<exchange>.<binding key>``, the exchange ``default`` when it has none.
    """
    spec = getattr(subscriber, "spec", None)
    queue = getattr(spec, "queue", None)
    if queue is not None and hasattr(spec, "exchange"):
        return f"{exchange_name(getattr(spec, 'exchange', None))}.{queue.binding_pattern}"
    return str(subscriber.name)


def is_reply(envelope: Envelope) -> bool:
    """True when ``envelope`` answers the message being handled in this task."""
    message = current_message.get()
    return (
        message is not None
        and bool(message.reply_to)
        and (envelope.destination == message.reply_to)
    )


#: ``processed`` statuses: how the message was settled, else why not.
STATUSES = ("acked", "nacked", "rejected", "error", "unsettled")
#: A message's ``settled`` → its status.
SETTLED_STATUS = {"ack": "acked", "nack": "nacked", "reject": "rejected"}


def status_of(message: StreamMessage, policy: AckPolicy, error: BaseException | None) -> str:
    """How a message ends: ``acked``, ``nacked``, ``rejected``, else ``error`` or ``unsettled``.

    Called as the consume middleware returns, just before the subscriber
    settles by the same table (``ack.RULES``): a settlement already made
    (``ACK_FIRST``, the handler's own ``message.ack()``) wins, as it does on the
    message. A cancelled handler (``error`` not an ``Exception``: shutdown) is
    settled by nothing.
    """
    if error is None or isinstance(error, Exception):
        settled = message.settled or RULES[policy].after(error)
    else:
        settled = message.settled
    if settled:
        return SETTLED_STATUS[settled]
    return "error" if isinstance(error, Exception) else "unsettled"


#: The label of publishes past the distinct-destination limit.
OTHER = "other"
_CACHE_LIMIT = 10_000


class PublishLabels:
    """Names an outgoing envelope's destination with a bounded label.

    In order: ``"reply"`` for a reply; ``mapper(destination)`` if given; the
    declared pattern of a subscriber of this broker that the destination
    matches (``orders.123`` → ``orders.{id}``); else the destination itself,
    up to ``limit`` distinct ones, then ``"other"``.
    """

    def __init__(self, broker: Any, mapper: Callable[[str], str] | None, limit: int) -> None:
        self.broker = broker
        self.mapper = mapper
        self.limit = limit
        self._cache: dict[str, str] = {}
        self._free: set[str] = set()
        self._exchanges: dict[str, dict[str, str]] = {}

    def __call__(self, envelope: Envelope) -> str:
        if is_reply(envelope):
            return REPLY
        return self.of_destination(envelope.destination)

    def of_destination(self, destination: str) -> str:
        """The label of a publish to ``destination`` that is not a reply."""
        label = self._cache.get(destination)
        if label is None:
            label = self._resolve(destination)
            if len(self._cache) < _CACHE_LIMIT:
                self._cache[destination] = label
        return label

    def of_exchange(self, exchange: Any, routing_key: str) -> str:
        """RabbitMQ's label of a publish, not a reply: ``<exchange>.<routing key's label>``."""
        name = exchange_name(exchange)
        by_key = self._exchanges.get(name)
        if by_key is None:
            by_key = self._exchanges.setdefault(name, {})
        label = by_key.get(routing_key)
        if label is None:
            label = f"{name}.{self.of_destination(routing_key)}"
            if len(by_key) < _CACHE_LIMIT:
                by_key[routing_key] = label
        return label

    def _resolve(self, destination: str) -> str:
        if self.mapper is not None:
            return self.mapper(destination)
        for sub in self.broker.subscribers:
            pattern = sub.pattern
            if pattern is not None and pattern.names and pattern.regex.match(destination):
                return str(sub.name)
        if destination in self._free or len(self._free) < self.limit:
            self._free.add(destination)
            return destination
        if len(self._free) == self.limit:
            self._free.add(OTHER)  # warn once
            logger.warning(
                "more than %d distinct publish destinations; the rest are labelled %r "
                "(pass destination_label= to group them)",
                self.limit,
                OTHER,
            )
        return OTHER

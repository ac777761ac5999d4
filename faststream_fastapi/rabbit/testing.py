"""``TestRabbitBroker``: RabbitMQ's exchange routing rules in memory."""

from __future__ import annotations

import dataclasses
import functools
import zlib
from collections.abc import Mapping
from typing import Any

from ..core.message import CONTENT_TYPE, Envelope
from ..core.paths import PathPattern
from ..core.testing import MemoryTransport, TestBroker
from .broker import RabbitBroker
from .declare import DELAYED_TYPE
from .specs import ExchangeType, RabbitExchange, Subscription


@functools.lru_cache(maxsize=1024)
def _binding_key(pattern: str) -> str:
    return PathPattern(pattern).subscription


@functools.lru_cache(maxsize=1024)
def _binding_words(pattern: str) -> tuple[str, ...]:
    return tuple(_binding_key(pattern).split("."))


@functools.lru_cache(maxsize=4096)
def topic_matches(binding_key: str, routing_key: str) -> bool:
    """RabbitMQ topic matching: ``*`` is exactly one word, ``#`` zero or more."""
    return _match(_binding_words(binding_key), tuple(routing_key.split(".")))


def apply_pattern(pattern: str, current: str) -> bool:
    """FastStream 0.5's name for ``topic_matches``: does ``current`` match ``pattern``?"""
    return topic_matches(pattern, current)


def _match(pattern: tuple[str, ...], words: tuple[str, ...]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _match(rest, words[1:])


def headers_match(arguments: Mapping[str, Any] | None, headers: Mapping[str, Any]) -> bool:
    """A headers exchange binding: ``x-match`` ``all`` (default) or ``any``.

    ``x-`` arguments take part only with ``all-with-x`` / ``any-with-x``. Values
    compare as text: ``headers={"key": 2}`` matches a binding argument ``2``.
    """
    args = dict(arguments or {})
    mode = str(args.pop("x-match", "all"))
    with_x = mode.endswith("-with-x")
    wanted = {k: v for k, v in args.items() if with_x or not k.startswith("x-")}
    lowered = {k.lower(): v for k, v in headers.items()}

    def has(key: str, value: Any) -> bool:
        got = headers.get(key, lowered.get(key.lower()))
        return got is not None and (value is None or _text(got) == _text(value))

    if mode.startswith("any"):
        return any(has(k, v) for k, v in wanted.items())
    return all(has(k, v) for k, v in wanted.items())


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode()
    return str(value)


def _exchange_name(exchange: RabbitExchange | str | None) -> str:
    if exchange is None:
        return ""
    return exchange if isinstance(exchange, str) else exchange.name


class RabbitMemoryTransport(MemoryTransport):
    """Routes through the default exchange (queue name) or the subscriber's exchange."""

    #: No aio-pika objects in memory: the ``Connection``/``Channel`` annotations give ``None``.
    connection: None = None
    channel: None = None

    def wire_headers(self, envelope: Envelope) -> dict[str, str]:
        # RabbitTransport sends the content type as the AMQP property, not a header.
        headers = envelope.headers
        if CONTENT_TYPE in headers:
            return {k: v for k, v in headers.items() if k != CONTENT_TYPE}
        return headers

    def describe(self, envelope: Envelope) -> str:
        exchange = _exchange_name(envelope.options.get("exchange"))
        if not exchange:
            return f"queue {envelope.destination!r}"
        return f"exchange {exchange!r} with routing key {envelope.destination!r}"

    def routes(self, spec: Any, envelope: Envelope) -> bool:
        if not isinstance(spec, Subscription):
            return False
        key = envelope.destination
        exchange = _exchange_name(envelope.options.get("exchange"))
        if not exchange:
            return spec.queue.name == key
        bound = spec.exchange
        if bound is None or bound.name != exchange:
            return False
        kind = bound.type
        if kind is ExchangeType.FANOUT:
            return True
        if kind is ExchangeType.TOPIC:
            return topic_matches(spec.queue.binding_pattern, key)
        if kind is ExchangeType.HEADERS:
            return headers_match(spec.binding_arguments(), envelope.headers)
        if kind is not ExchangeType.DIRECT:
            return self._plugin_routes(spec, bound, envelope)
        return _binding_key(spec.queue.binding_pattern) == key

    def _plugin_routes(self, spec: Subscription, bound: RabbitExchange, envelope: Envelope) -> bool:
        if bound.type is ExchangeType.X_DELAYED_MESSAGE:
            # Delivered at once (``x-delay`` is not waited for), as an exchange of its
            # ``x-delayed-type`` routes it.
            delayed = ExchangeType((bound.arguments or {}).get(DELAYED_TYPE, "direct"))
            as_delayed = dataclasses.replace(
                spec, exchange=dataclasses.replace(bound, type=delayed)
            )
            return self.routes(as_delayed, envelope)
        return spec.queue.name == self._hashed(bound, envelope.destination, envelope.headers)

    def _hashed(self, exchange: RabbitExchange, key: str, headers: Mapping[str, str]) -> str:
        """The one queue bound to a hashing exchange that a message goes to: a stable
        hash of its routing key (or ``hash-header``), over the bound queues weighted
        by binding key (consistent hash) or not (modulus hash)."""
        weights: dict[str, int] = {}
        for spec, _ in self.subscriptions:
            bound = spec.exchange if isinstance(spec, Subscription) else None
            if bound is not None and bound.name == exchange.name:
                weight = spec.queue.binding_key
                consistent = exchange.type is ExchangeType.X_CONSISTENT_HASH
                weights[spec.queue.name] = int(weight) if consistent and weight.isdigit() else 1
        header = (exchange.arguments or {}).get("hash-header")
        source = headers.get(header, "") if header else key
        point = zlib.crc32(source.encode()) % max(1, sum(weights.values()))
        for queue in sorted(weights):
            point -= weights[queue]
            if point < 0:
                return queue
        return ""

    async def declare(self, queue: Any, exchange: Any) -> None:
        """``broker.declare_queue``/``declare_exchange``: in memory there is nothing to
        declare (a queue exists once a subscriber reads it)."""
        return None

    def group_key(self, spec: Any) -> Any:
        # Consumers of one queue compete: each message goes to one of them.
        return spec.queue.name if isinstance(spec, Subscription) else None


class TestRabbitBroker(TestBroker[RabbitBroker]):
    """``async with TestRabbitBroker(broker) as br:`` — no RabbitMQ server needed."""

    transport_factory = RabbitMemoryTransport

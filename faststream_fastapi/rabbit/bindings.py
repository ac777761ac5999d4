"""The AsyncAPI AMQP bindings of RabbitMQ's specs (binding version 0.3.0)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from ..core.spec import Bindings

if TYPE_CHECKING:
    from .specs import Destination, RabbitExchange, RabbitQueue

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

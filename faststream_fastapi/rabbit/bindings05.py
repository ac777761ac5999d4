"""AMQP bindings as FastStream 0.5 wrote them in its 2.6.0 documents (binding 0.2.0).

A channel ``is`` a ``routingKey`` with its exchange (``{"type": "default"}`` for
the default one) and, through a direct or topic exchange, the queue; the
operation names the routing key (``cc``), acknowledgement and, for a
publisher, the delivery mode and ``mandatory``. The virtual host is always
written (``/`` when the URL names none). The 3.0.0 document keeps the
binding 0.3.0 forms of ``specs.py``.
"""

from __future__ import annotations

from typing import Any

from ..core.spec import Bindings

# The specs (``RabbitQueue``, ``RabbitExchange``, ``Destination``) are read by
# their attributes: ``specs`` imports this module.

VERSION = "0.2.0"


def routes_by_key(exchange: Any) -> bool:
    """Whether messages reach the queue by routing key (FastStream 0.5's test)."""
    if exchange is None or isinstance(exchange, str):
        return True
    return str(getattr(exchange.type, "value", exchange.type)) in ("direct", "topic")


def _exchange(exchange: Any, vhost: str) -> dict[str, Any]:
    if not exchange or not getattr(exchange, "name", exchange):
        return {"type": "default", "vhost": vhost}
    if isinstance(exchange, str):  # a name: a direct exchange, as declared by default
        return {
            "type": "direct",
            "name": exchange,
            "durable": False,
            "autoDelete": False,
            "vhost": vhost,
        }
    return {
        "type": str(getattr(exchange.type, "value", exchange.type)),
        "name": exchange.name,
        "durable": exchange.durable,
        "autoDelete": exchange.auto_delete,
        "vhost": vhost,
    }


def _queue(name: str, vhost: str, queue: Any = None) -> dict[str, Any]:
    return {
        "name": name,
        "durable": queue.durable if queue else False,
        "exclusive": queue.exclusive if queue else False,
        "autoDelete": queue.auto_delete if queue else False,
        "vhost": vhost,
    }


def subscription(queue: Any, exchange: Any, vhost: str) -> Bindings:
    channel: dict[str, Any] = {"is": "routingKey", "bindingVersion": VERSION}
    operation: dict[str, Any] = {}
    if routes_by_key(exchange):
        if queue.name:
            channel["queue"] = _queue(queue.name, vhost, queue)
        operation = {"amqp": {"cc": queue.binding_pattern, "ack": True, "bindingVersion": VERSION}}
    channel["exchange"] = _exchange(exchange, vhost)
    return Bindings(channel={"amqp": channel}, operation=operation)


def destination(dest: Any, vhost: str) -> Bindings:
    channel: dict[str, Any] = {"is": "routingKey", "bindingVersion": VERSION}
    operation: dict[str, Any] = {}
    if routes_by_key(dest.exchange):
        queue = dest.queue
        if queue is not None and queue.name:  # only a queue the publisher was given
            channel["queue"] = _queue(queue.name, vhost, queue)
        amqp: dict[str, Any] = {"ack": True, "bindingVersion": VERSION}
        if dest.routing_key:
            amqp["cc"] = dest.routing_key
        amqp["deliveryMode"] = 2 if dest.persist else 1
        amqp["mandatory"] = dest.mandatory
        if isinstance(dest.priority, int) and dest.priority > 0:
            amqp["priority"] = dest.priority
        operation = {"amqp": amqp}
    channel["exchange"] = _exchange(dest.exchange, vhost)
    return Bindings(channel={"amqp": channel}, operation=operation)

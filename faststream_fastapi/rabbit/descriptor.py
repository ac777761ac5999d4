"""What a RabbitMQ broker is, for the layers every broker shares."""

from __future__ import annotations

from typing import Any

from ..core.descriptor import BrokerDescriptor, WireProtocol
from .security import AIO_PIKA
from .specs import Subscription


def _fan_out_fix(spec: Any) -> str | None:
    if isinstance(spec, Subscription) and (spec.queue.exclusive or not spec.queue.name):
        return "to share them, use a named queue that is not exclusive"
    return None


AMQP = WireProtocol("amqp", tls="amqps", default_port=5672, version="0.9.1", vhost_in_path=True)

RABBIT = BrokerDescriptor(
    name="RabbitBroker",
    protocol=AMQP,
    security=AIO_PIKA,
    label="rabbit",
    system="rabbitmq",
    fan_out_fix=_fan_out_fix,
)

"""What a RabbitMQ broker is, for the layers every broker shares."""

from __future__ import annotations

from ..core.descriptor import BrokerDescriptor, WireProtocol
from .security import AIO_PIKA

AMQP = WireProtocol("amqp", tls="amqps", default_port=5672, version="0.9.1", vhost_in_path=True)

RABBIT = BrokerDescriptor(
    name="RabbitBroker",
    protocol=AMQP,
    security=AIO_PIKA,
    label="rabbit",
    system="rabbitmq",
)

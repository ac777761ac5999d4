"""What a RabbitMQ broker is, for the layers every broker shares."""

from __future__ import annotations

from ..core.descriptor import BrokerDescriptor
from .security import AIO_PIKA

RABBIT = BrokerDescriptor(
    name="RabbitBroker",
    label="rabbit",
    system="rabbitmq",
    protocol="amqp",
    tls_protocol="amqps",
    default_port=5672,
    security=AIO_PIKA,
    protocol_version="0.9.1",
    vhost_in_path=True,
)

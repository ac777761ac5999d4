"""Span attribute names, and what each broker adds to the common ones.

The messaging semantic-convention names are kept here, not imported from the
unstable ``opentelemetry-semantic-conventions`` package. Every span carries
the attributes FastStream 0.5 sets, so that queries written for its traces
find them; a few newer names are set next to the old ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.message import Envelope, StreamMessage
from ..observability.labels import RABBITMQ

SYSTEM = "messaging.system"
OPERATION = "messaging.operation"
OPERATION_TYPE = "messaging.operation.type"
DESTINATION = "messaging.destination.name"
#: What a consumer span names its message's destination by (FastStream 0.5).
DESTINATION_PUBLISH = "messaging.destination_publish.name"
DESTINATION_TEMPLATE = "messaging.destination.template"
DESTINATION_TEMPORARY = "messaging.destination.temporary"
MESSAGE_ID = "messaging.message.id"
CONVERSATION_ID = "messaging.message.conversation_id"
BODY_SIZE = "messaging.message.body.size"
#: The older name of the body size, which FastStream 0.5 sets on consumer spans.
PAYLOAD_SIZE = "messaging.message.payload_size_bytes"
KAFKA_PARTITION = "messaging.kafka.destination.partition"
KAFKA_OFFSET = "messaging.kafka.message.offset"
KAFKA_KEY = "messaging.kafka.message.key"
RABBITMQ_ROUTING_KEY = "messaging.rabbitmq.destination.routing_key"
RABBITMQ_DELIVERY_TAG = "messaging.rabbitmq.message.delivery_tag"
ERROR_TYPE = "error.type"
BATCH_COUNT = "messaging.batch.message_count"
#: The baggage entry FastStream 0.5 marks each message of a batch publish with:
#: its consumer starts a ``create`` span linked to the producer's, as for a batch.
WITH_BATCH = "with_batch"

#: Adds a broker's own attributes of a consumed message, or of an envelope.
Consumed = Callable[[StreamMessage, dict[str, Any]], None]
Published = Callable[[Envelope, dict[str, Any]], None]


def _kafka_consumed(message: StreamMessage, attributes: dict[str, Any]) -> None:
    partition = getattr(message, "partition", None)  # a ``KafkaMessage``'s
    if partition is not None:
        attributes[KAFKA_PARTITION] = partition
        attributes[KAFKA_OFFSET] = getattr(message, "offset", -1)
    key = getattr(message, "key", None)
    if key is not None:
        attributes[KAFKA_KEY] = _text(key)


def _kafka_published(envelope: Envelope, attributes: dict[str, Any]) -> None:
    options = envelope.options
    partition = options.get("partition")
    if partition is not None:
        attributes[KAFKA_PARTITION] = partition
    key = options.get("key")
    if key is not None:
        attributes[KAFKA_KEY] = _text(key)


def _text(key: Any) -> str:
    # An attribute is text, not bytes (OpenTelemetry's attribute types).
    return key.decode(errors="replace") if isinstance(key, bytes) else str(key)


def _rabbit_consumed(message: StreamMessage, attributes: dict[str, Any]) -> None:
    attributes[RABBITMQ_ROUTING_KEY] = message.destination
    # The delivery's number on its channel, kept by its settler (reading ``raw`` would
    # build aio-pika's message object); none in memory.
    tag = getattr(message.settler, "delivery_tag", None)
    if tag is not None:
        attributes[RABBITMQ_DELIVERY_TAG] = tag


def _rabbit_published(envelope: Envelope, attributes: dict[str, Any]) -> None:
    # As in FastStream 0.5: the destination is the exchange ("" the default one).
    exchange = envelope.options.get("exchange")
    attributes[DESTINATION] = getattr(exchange, "name", exchange) or ""
    attributes[RABBITMQ_ROUTING_KEY] = envelope.destination


def consumed_by(system: str) -> Consumed | None:
    """The function adding ``system``'s attributes to a consumer span; ``None``: none to add."""
    return {"kafka": _kafka_consumed, RABBITMQ: _rabbit_consumed}.get(system)


def published_by(system: str) -> Published | None:
    """The function adding ``system``'s attributes to a producer span; ``None``: none to add."""
    return {"kafka": _kafka_published, RABBITMQ: _rabbit_published}.get(system)


def consumer_source(subscriber: Any, system: str) -> str | None:
    """A RabbitMQ subscriber's exchange name, FastStream 0.5's ``destination_publish``
    of its messages (``""``: the default exchange); ``None`` for other brokers,
    whose messages name theirs."""
    if system != RABBITMQ:
        return None
    exchange = getattr(getattr(subscriber, "spec", None), "exchange", None)
    return str(getattr(exchange, "name", None) or "")

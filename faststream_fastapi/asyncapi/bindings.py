"""Protocol bindings: what each broker's specs say about channels and operations.

Read by duck typing (the spec's class name and attributes), so this module
imports no broker package and keeps working for brokers added later: a spec it
does not recognise simply gets no bindings. Official binding versions are used
where the AsyncAPI JSON Schemas define one (amqp 0.3.0, kafka 0.4.0, nats
0.1.0); Redis has no official channel or operation binding yet, so its
objects say ``"bindingVersion": "custom"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

AMQP_VERSION = "0.3.0"
KAFKA_VERSION = "0.4.0"
NATS_VERSION = "0.1.0"
CUSTOM_VERSION = "custom"

#: Package names (``faststream_fastapi.<name>``) and the protocol each speaks.
_KINDS = {
    "redis": "redis",
    "nats": "nats",
    "rabbit": "amqp",
    "kafka": "kafka",
    "_kafka": "kafka",
    "confluent": "kafka",
}


@dataclass
class Bindings:
    """Bindings of one channel, its operation and its message, by protocol."""

    channel: dict[str, Any] = field(default_factory=dict)
    operation: dict[str, Any] = field(default_factory=dict)
    message: dict[str, Any] = field(default_factory=dict)


def broker_protocol(broker: Any) -> str | None:
    """``"redis"``, ``"nats"``, ``"amqp"`` or ``"kafka"``, from the broker's package."""
    for cls in type(broker).__mro__:
        parts = cls.__module__.split(".")
        for part in parts[1:]:
            if part in _KINDS:
                return _KINDS[part]
    return None


def bindings_for(spec: Any, *, receive: bool, vhost: str | None = None) -> Bindings:
    """The bindings of a subscriber (``receive=True``) or publisher spec."""
    kind = type(spec).__name__
    if kind in ("PubSub", "ListSub", "StreamSub"):
        return _redis(spec, kind, receive)
    if hasattr(spec, "subject"):
        return _nats(spec, receive)
    if kind == "Subscription" or (hasattr(spec, "queue") and hasattr(spec, "exchange")):
        return _amqp_queue(spec, vhost)
    if kind == "Destination" or (hasattr(spec, "routing_key") and hasattr(spec, "exchange")):
        return _amqp_destination(spec, vhost)
    if hasattr(spec, "topics") or hasattr(spec, "topic"):
        return _kafka(spec, receive)
    return Bindings()


def channel_addresses(spec: Any) -> list[str]:
    """The channels a spec stands for: one per topic of a multi-topic Kafka subscription."""
    topics = getattr(spec, "topics", None)
    if isinstance(topics, tuple | list) and len(topics) > 1 and not getattr(spec, "pattern", None):
        return [str(t) for t in topics]
    return [str(spec.name)]


# -- redis -----------------------------------------------------------------------


def _redis(spec: Any, kind: str, receive: bool) -> Bindings:
    binding: dict[str, Any] = {"channel": spec.name}
    if kind == "PubSub":
        binding["method"] = (
            ("psubscribe" if spec.pattern else "subscribe") if receive else "publish"
        )
    elif kind == "ListSub":
        binding["method"] = "lpop" if receive else "rpush"
    else:
        group = getattr(spec, "group", None)
        binding["method"] = ("xreadgroup" if group else "xread") if receive else "xadd"
        if receive and group:
            binding["groupName"] = group
            consumer = getattr(spec, "consumer", None)
            if consumer:
                binding["consumerName"] = consumer
        maxlen = getattr(spec, "maxlen", None)
        if not receive and maxlen is not None:
            binding["maxlen"] = maxlen
    binding["bindingVersion"] = CUSTOM_VERSION
    return Bindings(channel={"redis": binding})


# -- nats ------------------------------------------------------------------------


def _nats(spec: Any, receive: bool) -> Bindings:
    channel: dict[str, Any] = {"subject": getattr(spec, "wire_subject", spec.subject)}
    stream = getattr(spec, "stream", None)
    if stream is not None:
        channel["stream"] = getattr(stream, "name", str(stream))
        durable = getattr(spec, "durable", None)
        if receive and durable:
            channel["durable"] = durable
        if receive:
            channel["pull"] = getattr(spec, "pull_sub", None) is not None
    channel["bindingVersion"] = CUSTOM_VERSION
    result = Bindings(channel={"nats": channel})
    queue = getattr(spec, "queue", None)
    if receive and isinstance(queue, str) and queue:
        result.operation["nats"] = {"queue": queue, "bindingVersion": NATS_VERSION}
    return result


# -- amqp ------------------------------------------------------------------------


def _exchange(exchange: Any, vhost: str | None) -> dict[str, Any]:
    if exchange is None or exchange == "":
        out: dict[str, Any] = {"type": "default"}
    elif isinstance(exchange, str):
        out = {"name": exchange, "type": "direct"}
    else:
        out = {"name": exchange.name, "type": _value(getattr(exchange, "type", "direct"))}
        for attr, key in (("durable", "durable"), ("auto_delete", "autoDelete")):
            value = getattr(exchange, attr, None)
            if isinstance(value, bool):
                out[key] = value
        if not out["name"]:
            del out["name"]
            out["type"] = "default"
    if vhost:
        out["vhost"] = vhost
    return out


def _amqp_queue(spec: Any, vhost: str | None) -> Bindings:
    queue = spec.queue
    q: dict[str, Any] = {"name": getattr(queue, "name", str(queue))}
    for attr, key in (
        ("durable", "durable"),
        ("exclusive", "exclusive"),
        ("auto_delete", "autoDelete"),
    ):
        value = getattr(queue, attr, None)
        if isinstance(value, bool):
            q[key] = value
    if vhost:
        q["vhost"] = vhost
    channel: dict[str, Any] = {"is": "queue", "queue": q}
    # A queue channel may not also name an exchange (the binding's oneOf),
    # so the exchange it is bound to goes in extensions.
    if spec.exchange is not None:
        channel["x-exchange"] = _exchange(spec.exchange, vhost)
        routing = getattr(queue, "binding_pattern", None) or getattr(queue, "routing_key", None)
        if routing:
            channel["x-routingKey"] = routing
    channel["bindingVersion"] = AMQP_VERSION
    return Bindings(
        channel={"amqp": channel},
        operation={"amqp": {"cc": [q["name"]], "bindingVersion": AMQP_VERSION}},
    )


def _amqp_destination(spec: Any, vhost: str | None) -> Bindings:
    channel = {
        "is": "routingKey",
        "exchange": _exchange(spec.exchange, vhost),
        "bindingVersion": AMQP_VERSION,
    }
    operation: dict[str, Any] = {"cc": [spec.routing_key]}
    persist = getattr(spec, "persist", None)
    if isinstance(persist, bool):
        operation["deliveryMode"] = 2 if persist else 1
    mandatory = getattr(spec, "mandatory", None)
    if isinstance(mandatory, bool):
        operation["mandatory"] = mandatory
    priority = getattr(spec, "priority", None)
    if isinstance(priority, int):
        operation["priority"] = priority
    expiration = _milliseconds(getattr(spec, "expiration", None))
    if expiration is not None:
        operation["expiration"] = expiration
    operation["bindingVersion"] = AMQP_VERSION
    return Bindings(channel={"amqp": channel}, operation={"amqp": operation})


def _milliseconds(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return max(0, int(value * 1000))
    seconds = getattr(value, "total_seconds", None)
    if callable(seconds):
        return max(0, int(seconds() * 1000))
    return None


# -- kafka -----------------------------------------------------------------------


def _kafka(spec: Any, receive: bool) -> Bindings:
    channel: dict[str, Any] = {"bindingVersion": KAFKA_VERSION}
    topics = getattr(spec, "topics", None)
    topic = getattr(spec, "topic", None)
    if isinstance(topic, str):
        channel["topic"] = topic
    elif isinstance(topics, tuple | list) and len(topics) == 1:
        channel["topic"] = str(topics[0])
    result = Bindings(channel={"kafka": channel})
    group = getattr(spec, "group_id", None)
    if receive and isinstance(group, str) and group:
        result.operation["kafka"] = {
            "groupId": {"type": "string", "enum": [group]},
            "bindingVersion": KAFKA_VERSION,
        }
    key = getattr(spec, "key", None)
    if not receive and isinstance(key, bytes | str) and key:
        text = key.decode(errors="replace") if isinstance(key, bytes) else key
        result.message["kafka"] = {
            "key": {"type": "string", "enum": [text]},
            "bindingVersion": KAFKA_VERSION,
        }
    return result


def _value(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value

"""Both Kafka clients' producers are idempotent unless the caller decides.

As with Kafka's own client since 3.0: the cluster then drops a record that the
client library sends again after a lost acknowledgement (its own retries), so
they store nothing twice. Not with settings an idempotent producer cannot have:
``acks`` other than ``all``, or (librdkafka) more than 5 requests in flight.
A caller's own retry of a failed publish is a new record: see docs/delivery.md.
"""

from __future__ import annotations

from typing import Any


def aiokafka_idempotent(options: dict[str, Any]) -> bool:
    """The default ``enable_idempotence`` for aiokafka options without one."""
    return options.get("acks", "all") in ("all", -1)


def librdkafka_idempotent(settings: dict[str, Any]) -> bool:
    """The default ``enable.idempotence`` for librdkafka settings without one."""
    acks = settings.get("acks", settings.get("request.required.acks", "all"))
    in_flight = settings.get(
        "max.in.flight.requests.per.connection", settings.get("max.in.flight", 5)
    )
    return str(acks) in ("all", "-1") and int(in_flight) <= 5

"""``--workers N``: a warning for each subscriber that every worker would consume in full.

Each worker process has its own consumers. A Redis channel, a NATS subject
without a queue group, a Kafka consumer without a group or an exclusive
RabbitMQ queue gives each of them a copy of every message, so N workers handle
each message N times; the broker's descriptor says so, and how to share.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from ..core.broker import Broker
from ..core.descriptor import descriptor_of


def brokers_of(app: Any, module: Any) -> list[Broker]:
    """The brokers ``app`` and the names of its module hold (a router's, an app's)."""
    found: list[Broker] = []
    for value in [app, *(vars(module).values() if module is not None else ())]:
        for candidate in (value, getattr(value, "broker", None)):
            if isinstance(candidate, Broker) and all(candidate is not b for b in found):
                found.append(candidate)
    return found


def fan_out_warnings(brokers: list[Broker], workers: int) -> list[str]:
    """One line per subscriber whose messages each of ``workers`` processes would get."""
    lines = []
    for broker in brokers:
        descriptor = descriptor_of(broker)
        if descriptor is None:
            continue
        for sub in broker.subscribers:
            fix = descriptor.fan_out_fix(sub.spec)
            if fix is not None:
                lines.append(
                    f"subscriber {sub.name!r} of {descriptor.name}: each of the {workers} "
                    f"workers gets its own copy of every message; {fix}"
                )
    return lines


def warn_fan_out(app: Any, target: str, workers: int, logger: logging.Logger) -> None:
    """Log ``fan_out_warnings`` for the app ``target`` (``module:attr``) names."""
    module = sys.modules.get(target.partition(":")[0])
    for line in fan_out_warnings(brokers_of(app, module), workers):
        logger.warning("%s", line)

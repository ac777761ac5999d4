"""Creating a subscriber's topics before its consumer starts, as FastStream 0.5 did.

A cluster that creates unknown topics itself picks its own partition count (tansu:
4), so a subscriber reading partition 0 of a fresh topic would see only some of
what is published. With ``allow_auto_create_topics`` (default on) each topic a
subscriber reads is created with one partition and replication factor 1 when it
starts; one that exists already is left alone. Each topic is asked for once per
connection; the blocking admin calls run in a thread, at start only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from .._kafka.specs import KafkaTopic

_OPTION = "allow.auto.create.topics"
DISABLED = "Auto create topics is disabled. Make sure the topics exist."


def wanted(settings: dict[str, Any]) -> bool:
    """The effective ``allow_auto_create_topics`` of a consumer's settings (default on)."""
    value = settings.get(_OPTION, True)
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no", "off")
    return bool(value)


def topics_of(spec: KafkaTopic) -> list[str]:
    """The topics a subscription names: its topics and those of its partitions
    (a ``pattern`` names none)."""
    return list(dict.fromkeys([*spec.topics, *(p.topic for p in spec.partitions)]))


def create(
    admin_config: dict[str, Any], topics: list[str], timeout: float, logger: logging.Logger
) -> None:
    """Create ``topics`` (one partition each); blocking, so called in a thread."""
    try:
        admin = AdminClient(admin_config)  # kept until the answers came: its handle serves them
        futures = admin.create_topics(
            [NewTopic(t, num_partitions=1, replication_factor=1) for t in topics],
            request_timeout=timeout,
        )
    except Exception as exc:  # the consumer's start reports an unreachable cluster
        logger.warning("Failed to create topics %s: %s", ", ".join(topics), exc)
        return
    for topic, future in futures.items():
        try:
            future.result(timeout)
        except Exception as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                logger.warning("Failed to create topic %s: %s", topic, exc)
        else:
            logger.info("Topic `%s` created.", topic)
    del admin


class TopicCreator:
    """Creates each topic once per connection; concurrent starts share the request."""

    def __init__(self, admin_config: Callable[[], dict[str, Any]]) -> None:
        self._admin_config = admin_config
        self._requests: dict[str, asyncio.Task[None]] = {}

    def reset(self) -> None:
        """Forget what was created (the connection closed)."""
        self._requests.clear()

    async def ensure(self, topics: Iterable[str], timeout: float, logger: logging.Logger) -> None:
        topics = list(topics)
        missing = [t for t in topics if t not in self._requests]
        if missing:
            task = asyncio.ensure_future(
                asyncio.to_thread(create, self._admin_config(), missing, timeout, logger)
            )
            self._requests.update(dict.fromkeys(missing, task))
        pending = {self._requests[t] for t in topics}
        if pending:
            await asyncio.gather(*pending)

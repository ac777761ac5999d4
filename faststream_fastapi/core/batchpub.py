"""A batch publisher: each item of a list or tuple becomes its own message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .publisher import Publisher


class BatchPublisher(Publisher):
    """Kafka's ``publisher(topic, batch=True)``, Redis's ``publisher(list=ListSub(...,
    batch=True))``: ``publish(a, b, ...)`` and a handler returning a list or tuple
    publish one message per item, sent together as the broker's ``publish_batch``
    does. Returns what ``publish_batch`` returns. Under a test broker, ``mock`` is
    called once per batch, with its items as a list."""

    async def publish(
        self,
        *messages: Any,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
        **options: Any,
    ) -> list[Any]:
        if len(messages) == 1 and isinstance(messages[0], list | tuple):
            messages = tuple(messages[0])
        broker = self.owner.root()
        merged = {**self.headers, **(headers or {})} if headers else self.headers
        if broker.under_test:
            # One call with the batch as a list, as FastStream 0.5's mock records it.
            self._mock.record(messages)
        return await broker.send_batch(
            messages,
            self.spec,
            dict(options),
            headers=merged,
            correlation_id=correlation_id,
            middlewares=self.middlewares,
        )

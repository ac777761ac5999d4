"""Requests waiting for their reply, for transports that match replies themselves
(RabbitMQ direct reply-to, a Redis inbox channel)."""

from __future__ import annotations

import asyncio
import uuid

from .message import Envelope, StreamMessage


class ReplyWaiters(dict[str, "asyncio.Future[StreamMessage]"]):
    """The futures of requests in flight, by correlation id."""

    def expect(
        self, envelope: Envelope, reply_to: str
    ) -> tuple[str, asyncio.Future[StreamMessage]]:
        """Address ``envelope``'s reply to ``reply_to`` under a correlation id (its
        own, else a new one) and wait for it; the caller pops the id when done."""
        cid = envelope.correlation_id or uuid.uuid4().hex
        envelope.correlation_id = cid
        envelope.reply_to = reply_to
        future: asyncio.Future[StreamMessage] = asyncio.get_running_loop().create_future()
        self[cid] = future
        return cid, future

    def resolve(self, correlation_id: str | None, message: StreamMessage) -> None:
        """Hand ``message`` to the request waiting under ``correlation_id``, if any."""
        waiter = self.get(correlation_id or "")
        if waiter is not None and not waiter.done():
            waiter.set_result(message)

"""``get_one`` on RabbitMQ: one message taken from the queue (``basic.get``)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aio_pika.abc import AbstractChannel, AbstractQueue

from ..core.errors import NotConnectedError
from ..core.message import NO_SETTLER, StreamMessage
from ..core.pulling import Puller
from .delivery import message_of
from .specs import Subscription

#: How often an empty queue is asked again, at most, while ``get_one`` waits.
_POLL = 0.05


class PullFromQueue:
    """What ``RabbitTransport`` adds for ``get_one``: a channel and the declared queue."""

    connection: Any

    async def pull(self, spec: Subscription) -> Puller:
        from .transport import declare_queue  # the transport imports this module

        if self.connection is None:
            raise NotConnectedError("the RabbitMQ broker is not connected; call start() first")
        channel = await self.connection.channel(publisher_confirms=False)
        try:
            queue = await declare_queue(channel, spec)
        except BaseException:
            with contextlib.suppress(Exception):
                await channel.close()
            raise
        return _QueuePuller(channel, queue)


class _QueuePuller(Puller):
    """``basic.get`` with ``no_ack``, as FastStream 0.5's ``get_one``: the message
    is acknowledged as it is taken. An empty queue is asked again until the timeout."""

    def __init__(self, channel: AbstractChannel, queue: AbstractQueue) -> None:
        self.channel, self.queue = channel, queue

    async def get_one(self, timeout: float) -> StreamMessage | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            raw = await self.queue.get(no_ack=True, fail=False, timeout=max(timeout, 1.0))
            if raw is not None:
                return message_of(StreamMessage, raw.body, raw, raw.routing_key, raw, NO_SETTLER)
            left = deadline - loop.time()
            if left <= 0:
                return None
            await asyncio.sleep(min(_POLL, left))

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.channel.close()

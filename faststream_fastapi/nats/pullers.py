"""``get_one`` on NATS: one message from a core subject, a push or a pull consumer."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from typing import Any

import nats.errors
from nats.aio.client import Client
from nats.js import JetStreamContext

from ..core.batch import batch_of
from ..core.message import StreamMessage
from ..core.pulling import Puller
from .delivery import to_message
from .specs import NatsSub

_TIMEOUTS = (nats.errors.TimeoutError, asyncio.TimeoutError)


async def open_puller(client: Client, js: JetStreamContext, spec: NatsSub) -> Puller:
    """Subscribe for ``spec`` without a callback: messages wait in nats-py's queue
    (core, push) or in the consumer (pull) for ``get_one``."""
    subject = spec.wire_subject
    if spec.stream is None:
        sub = await client.subscribe(subject, queue=spec.queue or "")
        await client.flush()  # interest registered: what is published next is ours
        return _SubPuller(sub, jetstream=False)
    config = dataclasses.replace(spec.config) if spec.config is not None else None
    if spec.pull_sub is not None:
        psub = await js.pull_subscribe(
            subject, durable=spec.durable, stream=spec.stream.name, config=config
        )
        return _PullPuller(psub, spec.pull_sub.batch_size if spec.pull_sub.batch else 0)
    sub = await js.subscribe(
        subject,
        queue=spec.queue,
        durable=spec.durable,
        stream=spec.stream.name,
        config=config,
        manual_ack=True,
        deliver_policy=spec.deliver_policy,
    )
    return _SubPuller(sub, jetstream=True)


class _SubPuller(Puller):
    def __init__(self, sub: Any, *, jetstream: bool) -> None:
        self.sub, self.jetstream = sub, jetstream

    async def get_one(self, timeout: float) -> StreamMessage | None:
        try:
            msg = await self.sub.next_msg(timeout=timeout)
        except _TIMEOUTS:
            return None
        return to_message(msg, jetstream=self.jetstream)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.sub.unsubscribe()


class _PullPuller(Puller):
    """One fetch: a message, or with ``PullSub(batch=True)`` a batch of up to
    ``batch_size`` (``batch``), as one list."""

    def __init__(self, psub: Any, batch: int) -> None:
        self.psub, self.batch = psub, batch

    async def get_one(self, timeout: float) -> StreamMessage | None:
        try:
            msgs = await self.psub.fetch(self.batch or 1, timeout=timeout)
        except _TIMEOUTS:
            return None
        messages = [to_message(msg, jetstream=True) for msg in msgs]
        if not messages:
            return None
        return batch_of(messages) if self.batch else messages[0]

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.psub.unsubscribe()

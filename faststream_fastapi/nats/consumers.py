"""What consumes a NATS subscription: a push consumer's callback and a pull consumer's loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg

from ..core.batch import batch_of
from ..core.inflight import InFlight
from ..core.message import Deliver, StreamMessage
from ..core.taskloop import TaskLoop
from ..core.transport import Consumption
from .connection import reading
from .delivery import to_message
from .specs import NatsSub

_RETRY_DELAY = 1.0
_STOP_WAIT = 1.0


class Push(Consumption):
    """A push subscription: nats-py calls ``on_msg`` for one message at a time.

    ``stop`` drains the subscription at once: the server delivers nothing
    more, and what was already received passes through ``on_msg`` and, being
    unstarted, goes straight back to JetStream (``nak``) or, on a core
    subject, is dropped. The message in hand finishes meanwhile (or, cancelled,
    is handed back: after the unsubscribe, so it goes to another consumer).
    """

    def __init__(
        self, client: Client, deliver: Deliver, *, jetstream: bool, max_workers: int = 1
    ) -> None:
        self.sub: Any = None
        self._client = client
        self._deliver = deliver
        self._jetstream = jetstream
        self._stopping = False
        self._inflight = InFlight(max_workers)
        if max_workers > 1:
            self.on_msg = self._submit  # type: ignore[method-assign]

    @property
    def alive(self) -> bool:
        client = self._client
        return not self._stopping and not client.is_closed and reading(client)

    async def on_msg(self, msg: Msg) -> None:
        if self._stopping:
            return await self._unstarted(msg)
        # Cancelled past the graceful timeout, it returns normally (after a ``nak``):
        # nats-py's delivery task goes on, so the drain can hand back the rest.
        await self._inflight.deliver(self._deliver, to_message(msg, jetstream=self._jetstream))

    async def _submit(self, msg: Msg) -> None:
        """``on_msg`` past 1 worker: returns once a worker task started the delivery."""
        if self._stopping or not await self._inflight.offer(
            self._deliver, to_message(msg, jetstream=self._jetstream)
        ):
            return await self._unstarted(msg)

    async def _unstarted(self, msg: Msg) -> None:
        if self._jetstream:  # back to JetStream; a core message is dropped
            with contextlib.suppress(Exception):
                await msg.nak()

    def cancel(self) -> int:
        return self._inflight.cancel()

    async def stop(self) -> None:
        self._stopping = True
        sub, self.sub = self.sub, None
        if sub is None or self._client.is_closed:
            self._inflight.close()
            await self._inflight.wait()
            return
        # The drain's unsubscribe goes out now; the drain itself ends once the
        # message in hand is done (nats-py counts it as pending until then).
        draining = asyncio.get_running_loop().create_task(sub.drain())
        try:
            # The message waiting for a worker is handed back (``nak``) only once
            # the drain's first step has queued the unsubscribe: the server, which
            # redelivers a nak'd message at once, then has no interest to send it to.
            await asyncio.sleep(0)
            self._inflight.close()
            await self._inflight.wait()
            await asyncio.wait_for(draining, _STOP_WAIT)
        except Exception:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        finally:
            self._inflight.close()  # (again, if we were cancelled before it)
            if not draining.done():  # we were cancelled: do not leave it behind
                draining.cancel()


class Loop(TaskLoop):
    """A pull loop in a task; ``stop`` lets the message in hand finish, then
    cancels the fetch and runs ``cleanup`` (unsubscribe)."""

    def __init__(
        self,
        run: Callable[[Loop], Coroutine[Any, Any, None]],
        cleanup: Callable[[], Awaitable[None]],
        client: Client,
        max_workers: int = 1,
    ) -> None:
        self._client = client
        super().__init__(run, cleanup, max_workers)

    @property
    def alive(self) -> bool:
        # The client's read loop may end while it still says it is connected.
        return not self.task.done() and reading(self._client)

    async def handle(self, deliver: Deliver, message: StreamMessage) -> bool:
        await self._inflight.deliver(deliver, message, self.task)
        return True


class Workers(Loop):
    """A pull loop delivering up to ``max_workers`` messages at once."""

    handle = TaskLoop.submit


async def _hand_back(msgs: Iterable[Msg]) -> None:
    """Fetched but not started: back to JetStream (``nak``)."""
    for msg in msgs:
        with contextlib.suppress(Exception):
            await msg.nak()


def pull_loop(psub: Any, spec: NatsSub, deliver: Deliver, client: Client, max_workers: int) -> Loop:
    """A JetStream pull consumer's fetch loop, delivering each fetched message."""
    pull = spec.pull_sub
    assert pull is not None

    async def run(loop: Loop) -> None:
        while not loop.stopping:
            try:
                batch = await psub.fetch(pull.batch_size, timeout=pull.timeout)
            except (nats.errors.TimeoutError, asyncio.TimeoutError):
                continue
            except nats.errors.ConnectionReconnectingError:
                await asyncio.sleep(_RETRY_DELAY)
                continue
            except nats.errors.ConnectionClosedError:
                return  # for good: the consumption is no longer alive
            if pull.batch:
                if not batch:
                    continue
                if not await loop.handle(
                    deliver, batch_of([to_message(msg, jetstream=True) for msg in batch])
                ):
                    await _hand_back(batch)
                continue
            waiting = list(reversed(batch))
            try:
                while waiting and not loop.stopping:
                    msg = waiting.pop()
                    if not await loop.handle(deliver, to_message(msg, jetstream=True)):
                        waiting.append(msg)  # stopping: not started
            finally:
                # Stopped mid-batch: the rest goes back to JetStream now.
                await _hand_back(reversed(waiting))

    kind = Loop if max_workers == 1 else Workers
    return kind(run, cleanup=psub.unsubscribe, client=client, max_workers=max_workers)

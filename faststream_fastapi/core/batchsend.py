"""Publishing a batch (``Sender.send_batch``): in one call to the transport, through
the middlewares' ``publish_batch`` once for the whole batch.

A batch goes message by message instead, each through the publish chain, where
the transport has no ``publish_batch`` or a middleware wraps ``publish`` only
(``middleware.batch_ready``): such a middleware still sees every message.
Without middlewares ``send_batch`` calls the transport's ``publish_batch`` itself.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable
from typing import Any, Protocol

from .errors import NotConnectedError
from .message import Envelope, EnvelopeBatch
from .middleware import (
    BatchNext,
    BrokerView,
    Middleware,
    PublishNext,
    batch_ready,
    chain_publish_batch,
)


class Sender(BrokerView, Protocol):
    """What this module uses of the broker publishing (``sender.Sender``, which imports it)."""

    _transport: Any
    _send_envelope: PublishNext

    def all_middlewares(self) -> tuple[Middleware, ...]: ...

    def _publish_middlewares(self) -> tuple[Middleware, ...]: ...

    def _chain_through(self, inner: tuple[Middleware, ...]) -> PublishNext: ...

    def _not_started(self) -> str | None: ...


#: Per broker, its batch chains by publisher middlewares (``_chain``). Kept here, not
#: on the broker: one more attribute there would slow every attribute read of it
#: (its instance dictionary is at CPython's limit for a shared-key layout).
_CHAINS: weakref.WeakKeyDictionary[
    Sender, dict[int, tuple[tuple[Middleware, ...], PublishNext, BatchNext | None]]
] = weakref.WeakKeyDictionary()


async def through_middlewares(
    root: Sender, envelopes: list[Envelope], inner: tuple[Middleware, ...]
) -> list[Any]:
    """Publish ``envelopes`` through ``root``'s publish middlewares, then ``inner``."""
    chain = _chain(root, inner) if hasattr(root._transport, "publish_batch") else None
    if chain is None:
        return [await _one(root, e, inner) for e in envelopes]
    return await chain(EnvelopeBatch(envelopes))


def _one(root: Sender, envelope: Envelope, inner: tuple[Middleware, ...]) -> Awaitable[Any]:
    if inner:
        return root._chain_through(inner)(envelope)
    return root._send_envelope(envelope)


def _chain(root: Sender, inner: tuple[Middleware, ...]) -> BatchNext | None:
    """The transport's ``publish_batch`` inside the middlewares' ``publish_batch``;
    ``None`` when one of them wraps ``publish`` only. Cached per publisher's
    middlewares, as ``Sender._chain_through``, until the broker's chain changes."""
    chains = _CHAINS.get(root)
    if chains is None:
        chains = _CHAINS[root] = {}
    cached = chains.get(id(inner))
    if cached is None or cached[0] is not inner or cached[1] is not root._send_envelope:
        bound = root._publish_middlewares() + tuple(mw.for_broker(root) for mw in inner)
        chain = None
        if all(map(batch_ready, bound)):

            async def publish(batch: EnvelopeBatch) -> list[Any]:
                return await _transport_publish(root, batch)

            chain = chain_publish_batch(bound, publish)
        cached = chains[id(inner)] = (inner, root._send_envelope, chain)
    return cached[2]


async def _transport_publish(root: Sender, batch: EnvelopeBatch) -> list[Any]:
    try:
        result: list[Any] = await root._transport.publish_batch(batch.envelopes)
    except NotConnectedError as exc:
        reason = root._not_started()
        if reason is None:
            raise
        raise NotConnectedError(
            f"{type(root).__name__} is not started yet ({reason}); "
            "publish once broker.ready() is true"
        ) from exc
    return result

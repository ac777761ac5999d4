"""Publishing: encode a message, address it and send it, alone, in a batch, as a
reply or as a request.

``Sender`` is the broker as its subscribers and publishers publish through it
(``registry.root()``). It sits below the registry, so the modules beneath the
broker use it without importing the broker; ``Sending`` (``sending.py``) gives
it its state: the transport, the timeouts, the publish chain.
"""

from __future__ import annotations

import itertools
import logging
import os
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import batchsend, codec
from .errors import NotConnectedError, SetupError
from .message import CONTENT_TYPE, Envelope, StreamMessage
from .middleware import Middleware, PublishNext, chain_publish
from .response import Response
from .transport import Transport
from .views import Spec

_id_prefix = uuid.uuid4().hex[:16]
_id_counter = itertools.count(1)


def new_id() -> str:
    """A unique id: random per process, then a counter (cheaper than uuid4)."""
    return f"{_id_prefix}{next(_id_counter):08x}"


def _reseed() -> None:
    # A forked worker (gunicorn ``--preload``, multiprocessing) must not repeat its
    # parent's ids: JetStream would drop its messages as duplicates of another's.
    global _id_prefix, _id_counter
    _id_prefix = uuid.uuid4().hex[:16]
    _id_counter = itertools.count(1)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed)


class Sender:
    """Publishing for a broker; ``Sending`` sets the state below."""

    _transport: Transport
    _send_envelope: PublishNext
    _chains: dict[int, tuple[tuple[Middleware, ...], PublishNext, PublishNext]]
    logger: logging.Logger
    testing: bool
    under_test: bool
    request_timeout: float
    max_message_bytes: int | None
    #: FastStream 0.5's broker-wide ``parser=``/``decoder=`` (``custom.py``).
    parser: Any
    decoder: Any

    if TYPE_CHECKING:
        # The registry's: the broker at the top, and the middlewares of the path to it.
        def root(self) -> Sender: ...

        def all_middlewares(self) -> tuple[Middleware, ...]: ...

    @property
    def transport(self) -> Transport:
        return self.root()._transport

    def _publish_chain(self, inner: tuple[Middleware, ...] = ()) -> PublishNext:
        """The transport's publish inside the publish middlewares (then ``inner``),
        bound to this broker."""
        bound = self._publish_middlewares()
        if inner:
            bound += tuple(mw.for_broker(self) for mw in inner)
        return chain_publish(bound, self._transport_publish)

    def _chain_through(self, inner: tuple[Middleware, ...]) -> PublishNext:
        """``_publish_chain(inner)``, built once per publisher's middlewares (by identity)
        until the broker's own chain changes (``add_middleware``, ``start``)."""
        cached = self._chains.get(id(inner))
        if cached is None or cached[0] is not inner or cached[1] is not self._send_envelope:
            cached = self._chains[id(inner)] = (
                inner,
                self._send_envelope,
                self._publish_chain(inner),
            )
        return cached[2]

    def _publish_middlewares(self) -> tuple[Middleware, ...]:
        return tuple(mw.for_broker(self) for mw in self.all_middlewares())

    def _not_started(self) -> str | None:
        """Why publishing cannot work yet, while a start is retried; None otherwise."""
        return None

    # -- hooks for facades -----------------------------------------------------

    def envelope_for(
        self, spec: Spec, body: bytes, headers: dict[str, str], options: dict[str, Any]
    ) -> Envelope:
        """Address an encoded body to ``spec``; facades add their options."""
        return Envelope(spec.name, body, headers, options=options)

    def retry_spec(self, spec: Spec, message: StreamMessage) -> Spec:
        """Where a retried ``message`` of a subscription ``spec`` goes; facades override
        (e.g. a wildcard subscription retries to the message's own subject)."""
        return spec

    def reply_spec(self, reply_to: str) -> Spec:
        """The destination a reply-to address names; facades override."""
        raise NotImplementedError

    # -- sending ---------------------------------------------------------------

    async def send(
        self,
        message: Any,
        spec: Spec,
        *,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
        reply_to: str | None = None,
        options: dict[str, Any] | None = None,
        rpc: bool = False,
        rpc_timeout: float | None = 30.0,
        raise_timeout: bool = False,
        middlewares: tuple[Middleware, ...] = (),
    ) -> Any:
        """Encode ``message``, address it to ``spec`` and publish it through the
        publish middlewares, then ``middlewares`` (a publisher's own, innermost);
        ``options`` are the facade's, for its transport. ``rpc``: see ``PublishOptions``."""
        if rpc:
            if reply_to is not None:
                raise SetupError(
                    "give rpc=True or reply_to=, not both: rpc waits for the reply itself"
                )
            return await self._rpc(
                message, spec, headers, correlation_id, rpc_timeout, raise_timeout
            )
        envelope = self._envelope(message, spec, headers, correlation_id, reply_to, options)
        root = self.root()
        if middlewares:
            return await root._chain_through(middlewares)(envelope)
        return await root._send_envelope(envelope)

    async def send_batch(
        self,
        messages: tuple[Any, ...],
        spec: Spec,
        extra: dict[str, Any],
        *,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
        reply_to: str | None = None,
        middlewares: tuple[Middleware, ...] = (),
    ) -> list[Any]:
        """Publish ``messages`` to ``spec`` together where the transport can (its
        ``publish_batch``), through the publish middlewares' ``publish_batch`` (then
        ``middlewares``', a publisher's own) once for the batch; one by one through
        their ``publish`` where the transport cannot or a middleware wraps ``publish``
        only."""
        envelopes = [
            self._envelope(m, spec, headers, correlation_id, reply_to, extra) for m in messages
        ]
        root = self.root()
        transport = root._transport
        if middlewares or root.all_middlewares() or not hasattr(transport, "publish_batch"):
            return await batchsend.through_middlewares(root, envelopes, middlewares)
        result: list[Any] = await transport.publish_batch(envelopes)
        return result

    def _envelope(
        self,
        message: Any,
        spec: Spec,
        headers: Mapping[str, str] | None,
        correlation_id: str | None,
        reply_to: str | None,
        options: dict[str, Any] | None,
    ) -> Envelope:
        if isinstance(message, Response):
            headers = {**message.headers, **(headers or {})}
            correlation_id = correlation_id or message.correlation_id
            message = message.body
        body, content_type = codec.encode(message)
        hdrs = dict(headers) if headers else {}
        if content_type is not None and CONTENT_TYPE not in hdrs:
            hdrs[CONTENT_TYPE] = content_type
        envelope = self.envelope_for(spec, body, hdrs, dict(options or {}))
        # Generated only for requests (see ``_request``): a header on every
        # publish costs the wire and the client's header encoding.
        envelope.correlation_id = correlation_id
        envelope.reply_to = reply_to
        return envelope

    async def _transport_publish(self, envelope: Envelope) -> Any:
        root = self.root()
        try:
            return await root._transport.publish(envelope)
        except NotConnectedError as exc:
            reason = root._not_started()
            if reason is None:
                raise
            raise NotConnectedError(
                f"{type(root).__name__} is not started yet ({reason}); "
                "publish once broker.ready() is true"
            ) from exc

    async def reply(
        self,
        message: StreamMessage,
        body: Any,
        *,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        assert message.reply_to
        cid = correlation_id or message.correlation_id
        spec = self.reply_spec(message.reply_to)
        envelope = self._envelope(body, spec, headers, cid, None, options)
        await self.root()._send_envelope(envelope)

    async def _rpc(
        self,
        message: Any,
        spec: Spec,
        headers: Mapping[str, str] | None,
        correlation_id: str | None,
        timeout: float | None,
        raise_timeout: bool,
    ) -> Any:
        """FastStream 0.5's ``publish(..., rpc=True)``: the reply's decoded body."""
        try:
            reply = await self._request(
                message,
                spec,
                # 0 means "already too late" there, not "the default" as ``request``'s does
                timeout=None if timeout is None else max(timeout, 1e-9),
                headers=headers,
                correlation_id=correlation_id,
            )
        except TimeoutError:
            if raise_timeout:
                raise
            return None
        return reply.decoded()

    async def _request(
        self,
        message: Any,
        spec: Spec,
        *,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> StreamMessage:
        """Publish and wait up to ``timeout`` seconds (default: ``request_timeout``)
        for the reply, through the transport's request/reply."""
        cid = correlation_id or new_id()
        envelope = self._envelope(message, spec, headers, cid, None, None)
        root, wait = self.root(), self.request_timeout if timeout is None else timeout

        async def request(envelope: Envelope) -> StreamMessage:
            return await root._transport.request(envelope, wait)

        # Through the publish middlewares too: a request is an outgoing message.
        response: StreamMessage = await chain_publish(root._publish_middlewares(), request)(
            envelope
        )
        return response

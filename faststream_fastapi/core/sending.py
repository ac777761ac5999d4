"""A broker's publishing state: a registry with a transport to publish through.

``Sending`` holds what publishing needs (the transport, the logger, timeouts,
the publish chain); the publishing itself is ``Sender``'s (``sender.py``), and
``Lifecycle`` adds connecting and consuming on top.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from . import logs
from .base_middleware import AnyMiddleware
from .middleware import Middleware, PublishNext
from .options import BrokerConfig
from .registry import Registry
from .sender import Sender, new_id
from .transport import Transport

__all__ = ["Sending", "new_id"]


class Sending(Registry, Sender):
    """A registry with a transport: encodes, addresses and sends messages."""

    def __init__(self, transport: Transport, config: BrokerConfig) -> None:
        super().__init__(
            dependencies=config.dependencies,
            middlewares=config.middlewares,
            parser=config.parser,
            decoder=config.decoder,
        )
        self._transport = transport
        self.logger: logging.Logger = logs.broker_logger(config.logger)
        #: The level of the per-message ``Received`` / ``Processed`` lines.
        self.log_level = config.log_level
        self.request_timeout = config.request_timeout
        #: Default limit of every subscriber's message size (``None``: no limit).
        self.max_message_bytes = config.max_message_bytes
        #: True under an in-memory test broker (``Test<B>Broker(broker)``).
        self.testing = False
        #: True while a test broker holds the broker (in memory or ``with_real=True``):
        #: ``handler.mock`` and ``publisher.mock`` record, and the test broker starts
        #: and closes the broker.
        self.under_test = False
        self._send_envelope = self._publish_chain()
        #: Publish chains of publishers with their own middlewares (``_chain_through``).
        self._chains: dict[int, tuple[tuple[Middleware, ...], PublishNext, PublishNext]] = {}

    if TYPE_CHECKING:
        # Found by ``Lifecycle.root``: a broker is always a ``Lifecycle`` too.
        def root(self) -> Sending: ...

    def _as_broker(self) -> Sending:
        return self

    def add_middleware(self, middleware: AnyMiddleware) -> None:
        super().add_middleware(middleware)
        self._send_envelope = self._publish_chain()  # subscribers bind theirs at start

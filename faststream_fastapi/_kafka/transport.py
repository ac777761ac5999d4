"""What both Kafka transports add to the core seam: batches, and no request/reply."""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Generic, TypeVar

from ..core.errors import NotConnectedError
from ..core.message import Deliver, Envelope, StreamMessage
from ..core.pulling import Puller
from ..core.transport import Consumption, Transport
from .consume import RecordSource
from .lanes import consume_loop
from .pullers import KafkaPuller
from .specs import KafkaTopic

REQUEST_REFUSED = (
    "Kafka has no request/reply: publish to a topic and subscribe to the topic "
    "the reply goes to instead. (A handler still replies to a message that "
    "carries a reply_to header, by publishing to the topic it names.)"
)

P = TypeVar("P")


class KafkaTransport(Transport[KafkaTopic]):
    """A transport that can publish many envelopes in one go."""

    #: The broker's logger, set by the facade; consume loops log through it.
    logger: logging.Logger = logging.getLogger("faststream_fastapi")

    async def publish_batch(self, envelopes: Sequence[Envelope]) -> list[Any]:
        return list(await asyncio.gather(*(self.publish(e) for e in envelopes)))

    async def request(self, envelope: Envelope, timeout: float) -> StreamMessage:
        raise NotImplementedError(REQUEST_REFUSED)

    @abc.abstractmethod
    async def open_source(self, spec: KafkaTopic) -> RecordSource:
        """A started consumer for ``spec``, reading where the subscription says."""

    async def subscribe(self, spec: KafkaTopic, deliver: Deliver) -> Consumption:
        return consume_loop(await self.open_source(spec), spec, deliver, self.logger)

    async def pull(self, spec: KafkaTopic) -> Puller:
        """``get_one``'s source for ``spec`` (see ``core.pulling``)."""
        return KafkaPuller(await self.open_source(spec), spec)

    async def subscribe_workers(
        self, spec: KafkaTopic, deliver: Deliver, max_workers: int
    ) -> Consumption:
        """``subscribe`` with ``max_workers`` handlers at once (the spec carries it)."""
        return await self.subscribe(replace(spec, max_workers=max_workers), deliver)

    @abc.abstractmethod
    async def publish(self, envelope: Envelope) -> Any: ...


class ProducerTransport(KafkaTransport, Generic[P]):
    """A Kafka transport publishing through one client producer, set by ``connect``."""

    producer: P | None

    def native(self) -> P | None:
        return self.producer

    def _producer(self) -> P:
        if self.producer is None:
            raise NotConnectedError("the Kafka broker is not connected; call start() first")
        return self.producer

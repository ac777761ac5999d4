"""``get_one`` on Kafka: one record (or one batch) fetched by a consumer of its own."""

from __future__ import annotations

from typing import Any

from ..core.message import Settlement, Settler
from ..core.pulling import Puller
from .consume import DEFAULT_MAX_RECORDS, Offsets, RecordSource
from .message import KafkaMessage, batch_message
from .specs import KafkaTopic


class _CommitNow(Settler[KafkaMessage]):
    """A pulled record (or batch) settled: in a group its offset is committed at once;
    a nack seeks back to it."""

    __slots__ = ("offsets",)

    def __init__(self, offsets: Offsets) -> None:
        self.offsets = offsets

    async def settle(self, message: KafkaMessage, settlement: Settlement) -> None:
        for item in message.batch or (message,):
            self.offsets.settle_now(item, settlement)
        if self.offsets.commits:
            await self.offsets.commit_now()


class KafkaPuller(Puller):
    """The consumer reads as a subscriber with ``spec`` would: same group, same
    start. A record handed out is not committed until it is acked."""

    def __init__(self, source: RecordSource, spec: KafkaTopic) -> None:
        self.source, self.spec = source, spec
        commits = spec.group_id is not None and not spec.client_auto_commit
        self.settler = _CommitNow(Offsets(source, commits))

    async def get_one(self, timeout: float) -> KafkaMessage | None:
        spec, source, settler = self.spec, self.source, self.settler
        count = (spec.max_records or DEFAULT_MAX_RECORDS) if spec.batch else 1
        records: Any = await source.fetch(count, max(0, int(timeout * 1000)))
        if not records:
            return None
        messages = [source.build(record, settler) for record in records]
        return batch_message(messages, settler) if spec.batch else messages[0]

    async def close(self) -> None:
        await self.source.close()

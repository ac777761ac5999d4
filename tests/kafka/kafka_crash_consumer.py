"""A consumer process for the crash scenario of ``kafka_workers_scenarios``.

``python kafka_crash_consumer.py <package> <topic> <group> <policy>``: consumes
partitions 0 and 1 of ``topic`` in ``group`` with ``max_workers=2``, with the
``AckPolicy`` named ``policy`` (``MANUAL``: the handler acks each record it
finished) or ``auto_commit``. Partition 0's first record (``a0``) never finishes;
each record handled prints its body, and ``a0`` is printed when it starts. The
test kills the process with SIGKILL.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from typing import Any

from kafka_scenarios import make_broker

from faststream_fastapi import AckPolicy
from faststream_fastapi.kafka.fastapi import KafkaMessage as Msg


async def main(package: str, topic: str, group: str, policy: str) -> None:
    pkg = importlib.import_module(package)
    broker = make_broker(pkg)
    options: dict[str, Any] = (
        {"auto_commit": True} if policy == "auto_commit" else {"ack_policy": AckPolicy[policy]}
    )

    @broker.subscriber(
        partitions=[pkg.TopicPartition(topic, 0), pkg.TopicPartition(topic, 1)],
        group_id=group,
        auto_offset_reset="earliest",
        max_workers=2,
        **options,
    )
    async def handler(body: str, msg: Msg) -> None:
        if body == "a0":
            print("a0", flush=True)
            await asyncio.Event().wait()  # in hand until the process is killed
        if policy == "MANUAL":
            await msg.ack()
        print(body, flush=True)

    async with broker:
        await broker.start()
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))

"""A consumer process for the crash scenario of ``kafka_workers_scenarios``.

``python kafka_crash_consumer.py <package> <topic> <group>``: consumes partitions
0 and 1 of ``topic`` in ``group`` with ``max_workers=2``. Partition 0's first
record (``a0``) never finishes; each record handled prints its body, and ``a0``
is printed when it starts. The test kills the process with SIGKILL.
"""

from __future__ import annotations

import asyncio
import importlib
import sys

from kafka_scenarios import make_broker


async def main(package: str, topic: str, group: str) -> None:
    pkg = importlib.import_module(package)
    broker = make_broker(pkg)

    @broker.subscriber(
        partitions=[pkg.TopicPartition(topic, 0), pkg.TopicPartition(topic, 1)],
        group_id=group,
        auto_offset_reset="earliest",
        max_workers=2,
    )
    async def handler(body: str) -> None:
        if body == "a0":
            print("a0", flush=True)
            await asyncio.Event().wait()  # in hand until the process is killed
        print(body, flush=True)

    async with broker:
        await broker.start()
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))

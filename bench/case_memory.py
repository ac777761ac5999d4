"""In-memory test brokers: microseconds per publish+handle, FastAPI handler shape."""

from __future__ import annotations

import importlib
import statistics
import time
from typing import Any

from common import PAYLOAD, Dep, Item

from faststream_fastapi import Logger

# (label, module with fastapi router + Test broker, router class, test broker, destination kwargs)
BROKERS = [
    ("redis", "faststream_fastapi.redis", "RedisRouter", "TestRedisBroker", {}),
    ("nats", "faststream_fastapi.nats", "NatsRouter", "TestNatsBroker", {}),
    ("rabbit", "faststream_fastapi.rabbit", "RabbitRouter", "TestRabbitBroker", {}),
    ("kafka", "faststream_fastapi.kafka", "KafkaRouter", "TestKafkaBroker", {}),
    ("confluent", "faststream_fastapi.confluent", "KafkaRouter", "TestKafkaBroker", {}),
]


async def us_per_message(label: str, n: int = 20_000) -> float | None:
    entry = next(b for b in BROKERS if b[0] == label)
    _, module_name, router_name, test_name, _ = entry
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    router = getattr(module.fastapi, router_name)()
    test_broker = getattr(module, test_name)

    @router.subscriber("bench")
    async def handler(item: Item, logger: Logger, d: Dep) -> None:
        assert item.qty == 3

    async with test_broker(router.broker) as br:
        publish: Any = br.publish
        for _ in range(1000):
            await publish(PAYLOAD, "bench")
        runs = []
        for _ in range(3):  # the median of three: a shared machine has bursts
            t0 = time.perf_counter()
            for _ in range(n):
                await publish(PAYLOAD, "bench")
            runs.append((time.perf_counter() - t0) / n * 1e6)
        return statistics.median(runs)

"""The producers' idempotence default, read from the client objects (no cluster).

The real-cluster side is in tests/faults/test_faults_idempotent.py; the test
cluster (tansu) refuses aiokafka's request for a producer id, so what aiokafka
builds when a cluster grants it is checked here, on the client itself.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from faststream_fastapi._kafka.idempotence import librdkafka_idempotent
from faststream_fastapi.kafka.transport import AiokafkaTransport


@pytest.mark.parametrize(
    ("options", "idempotent", "acks"),
    [
        ({}, True, -1),
        ({"acks": "all"}, True, -1),
        ({"acks": 1}, False, 1),
        ({"enable_idempotence": False}, False, 1),
        ({"enable_idempotence": True}, True, -1),
    ],
)
async def test_aiokafka_producer_is_built_idempotent_unless_told(
    monkeypatch: pytest.MonkeyPatch, options: dict[str, Any], idempotent: bool, acks: int
) -> None:
    built: list[AIOKafkaProducer] = []

    async def start(self: AIOKafkaProducer) -> None:  # a cluster that grants everything
        built.append(self)

    async def stop(self: AIOKafkaProducer) -> None:
        self._closed = True  # what aiokafka's __del__ checks

    monkeypatch.setattr(AIOKafkaProducer, "start", start)
    monkeypatch.setattr(AIOKafkaProducer, "stop", stop)
    transport = AiokafkaTransport("127.0.0.1:9", **options)
    await transport.connect()
    try:
        (producer,) = built
        assert (producer._txn_manager is not None) is idempotent
        assert producer._sender._acks == acks
        assert transport.idempotent is idempotent
    finally:
        await transport.close()


@pytest.mark.parametrize(
    ("settings", "idempotent"),
    [
        ({}, True),
        ({"acks": "all"}, True),
        ({"acks": -1}, True),
        ({"acks": "1"}, False),
        ({"request.required.acks": 0}, False),
        ({"max.in.flight.requests.per.connection": 5}, True),
        ({"max.in.flight": 6}, False),
    ],
)
def test_librdkafka_default(settings: dict[str, Any], idempotent: bool) -> None:
    assert librdkafka_idempotent(settings) is idempotent

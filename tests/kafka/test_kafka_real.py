"""The real-cluster scenarios (``kafka_scenarios``) through aiokafka."""

from __future__ import annotations

from types import ModuleType

import pytest
from kafka_batch_scenarios import *  # noqa: F403
from kafka_scenarios import *  # noqa: F403  (the shared scenarios, collected here)
from kafka_workers_scenarios import *  # noqa: F403

import faststream_fastapi.kafka


@pytest.fixture
def pkg() -> ModuleType:
    return faststream_fastapi.kafka

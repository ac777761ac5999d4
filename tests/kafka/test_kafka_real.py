"""The real-cluster scenarios (``kafka_scenarios``) through aiokafka."""

from __future__ import annotations

from types import ModuleType

import pytest
from kafka_scenarios import *  # noqa: F403  (the shared scenarios, collected here)

import faststream_fastapi.kafka


@pytest.fixture
def pkg() -> ModuleType:
    return faststream_fastapi.kafka

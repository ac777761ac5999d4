from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def name() -> str:
    """A destination name no other test uses."""
    return f"t-{uuid.uuid4().hex[:12]}"

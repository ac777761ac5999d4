from __future__ import annotations

import uuid

import pytest

from hang_watch import pytest_runtest_call  # noqa: F401  (a hook: a hung test fails)


@pytest.fixture
def name() -> str:
    """A destination name no other test uses."""
    return f"t-{uuid.uuid4().hex[:12]}"

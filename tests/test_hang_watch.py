"""The suite's hang watch (``hang_watch.py``): a stuck test fails, saying where it waits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).parent

HUNG = """
import asyncio


async def parked() -> None:
    await asyncio.get_running_loop().create_future()


async def test_stuck() -> None:
    await parked()


async def test_quick() -> None:
    await asyncio.sleep(0)
"""


def test_a_stuck_test_fails_with_its_tasks_and_the_next_runs(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text("from hang_watch import pytest_runtest_call\n")
    (tmp_path / "test_hung.py").write_text(HUNG)
    env = {**os.environ, "PYTHONPATH": str(TESTS), "TEST_HANG_AFTER": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-o",
            "asyncio_mode=auto",
            "-o",
            "asyncio_default_fixture_loop_scope=function",
            ".",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "1 failed, 1 passed" in done.stdout, done.stdout + done.stderr
    assert "test_hung.py::test_stuck still running after 1 s" in done.stdout
    assert "test_hung.py:10 in test_stuck" in done.stdout
    assert "test_hung.py:6 in parked" in done.stdout

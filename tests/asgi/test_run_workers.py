"""``app.run(run_extra_options={"workers": 2})`` starts two workers, as ``run --workers 2``
does (issue #15, section 5), for an ``AsgiFastStream`` and a plain ``FastStream`` app;
in real subprocesses, against real Redis."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest
from test_cli import free_port, health, output, project, records, stop, wait_until

from support import spawn

__all__ = ["project"]  # the fixture, used by name


def _run(cwd: Path, target: str, options: str) -> object:
    script = f"import asyncio, main; asyncio.run(main.{target}.run(run_extra_options={options}))"
    return spawn(cwd, sys.executable, "-c", script)


def _workers(cwd: Path, parent: int) -> set[int]:
    starts = [line.split() for line in records(cwd) if line.startswith("start")]
    pids = {int(parts[1]) for parts in starts}
    assert len(starts) == 2 and len(pids) == 2 and parent not in pids, output(cwd)
    return pids


@pytest.mark.redis
def test_asgi_app_run_with_two_workers(project: Path) -> None:
    port = free_port()
    with _run(project, "app", f"{{'port': {port}, 'workers': 2, 'env': 'aw'}}") as proc:
        wait_until(lambda: len(records(project)) >= 2, project, proc)
        with httpx.Client(timeout=5) as client:
            wait_until(health(client, f"http://127.0.0.1:{port}/health"), project, proc)
        assert stop(proc) == 0, output(project)
    pids = _workers(project, proc.pid)
    assert all(line.endswith("[('env', 'aw')]") for line in records(project) if "start" in line)
    assert {int(line.split()[1]) for line in records(project) if line.startswith("stop")} == pids


@pytest.mark.redis
def test_plain_app_run_with_two_workers(project: Path) -> None:
    with _run(project, "plain", "{'workers': 2, 'env': 'pw'}") as proc:
        wait_until(lambda: len(records(project)) >= 2, project, proc)
        assert stop(proc) == 0, output(project)
    pids = _workers(project, proc.pid)
    assert all(line.endswith("[('env', 'pw')]") for line in records(project) if "start" in line)
    assert {int(line.split()[1]) for line in records(project) if line.startswith("stop")} == pids

"""Multiprocess metrics: the example under ``run --workers 2``, scraped as one.

The example app runs under the CLI (gunicorn, two uvicorn workers) with
``PROMETHEUS_MULTIPROC_DIR`` set; jobs go to a NATS queue group, so both
workers consume some; ``/metrics``, whichever worker answers, reports the total.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from subprocess import Popen

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.prometheus import CollectorRegistry, PrometheusMiddleware, metrics_registry
from support import spawn

EXAMPLE = Path(__file__).parents[2] / "examples" / "observability" / "metrics_multiprocess.py"
BOUND = 45.0
JOBS = 40

# Appended to a copy of the example: each worker records its pid once its broker
# is started, so the test publishes only when both consume.
READY_HOOK = """

import os as _os
import pathlib as _pathlib


@app.after_startup
def _ready() -> None:
    with (_pathlib.Path(__file__).parent / "ready.txt").open("a") as f:
        f.write(f"{_os.getpid()}\\n")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(cwd: Path, env: dict[str, str], *args: str) -> AbstractContextManager[Popen[bytes]]:
    """``faststream-fastapi run`` in its own process group; killed if left running."""
    return spawn(cwd, sys.executable, "-m", "faststream_fastapi", "run", *args, env=env)


def wait_until(check: Callable[[], bool], cwd: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + BOUND
    while not check():
        if proc.poll() is not None:
            pytest.fail(f"exited with {proc.returncode}:\n{(cwd / 'output.log').read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"not done in {BOUND} s:\n{(cwd / 'output.log').read_text()}")
        time.sleep(0.1)


def ready_pids(cwd: Path) -> set[int]:
    path = cwd / "ready.txt"
    return {int(line) for line in path.read_text().split()} if path.exists() else set()


def scrape(client: httpx.Client, url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of ``/metrics``: (name, sorted labels) → value."""
    text = client.get(url).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def received_per_process(metrics_dir: Path, subject: str) -> dict[int, float]:
    """What each worker's own file says it received (the files are named by pid)."""
    counts = {}
    for path in metrics_dir.glob("counter_*.db"):
        pid = int(path.stem.split("_")[1])
        for family in MultiProcessCollector.merge([str(path)]):  # type: ignore[no-untyped-call]
            for s in family.samples:
                if (
                    s.name == "faststream_received_messages_total"
                    and s.labels["handler"] == subject
                ):
                    counts[pid] = s.value
    return counts


@pytest.mark.nats
def test_two_workers_are_scraped_as_one(tmp_path: Path, name: str) -> None:
    subject, group = f"jobs-{name}", f"workers-{name}"
    source = EXAMPLE.read_text()
    for old, new in (('"jobs"', f'"{subject}"'), ('"workers"', f'"{group}"')):
        assert old in source
        source = source.replace(old, new)
    (tmp_path / "main.py").write_text(source + READY_HOOK)
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    port = free_port()
    url = f"http://127.0.0.1:{port}/metrics"
    labels = (("app_name", "faststream"), ("broker", "nats"), ("handler", subject))
    received = ("faststream_received_messages_total", labels)
    acked = ("faststream_received_processed_messages_total", (*labels, ("status", "acked")))

    async def publish_jobs() -> None:
        async with NatsBroker("nats://127.0.0.1:4222") as broker:
            for job in range(JOBS):
                await broker.publish(job, subject)
            await broker.transport.client.flush()  # type: ignore[attr-defined]

    with (
        serve(tmp_path, env, "main:app", "--workers", "2", "--port", str(port)) as proc,
        httpx.Client(timeout=5) as client,
    ):
        wait_until(lambda: len(ready_pids(tmp_path)) == 2, tmp_path, proc)
        asyncio.run(publish_jobs())
        wait_until(lambda: scrape(client, url).get(acked) == JOBS, tmp_path, proc)
        samples = scrape(client, url)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(BOUND) == 0, (tmp_path / "output.log").read_text()

    assert samples[received] == JOBS
    # The in-flight gauge is one series, summed over the live workers (no pid label).
    in_flight = [k for k in samples if k[0] == "faststream_received_messages_in_process"]
    assert in_flight == [("faststream_received_messages_in_process", received[1])]
    assert samples[in_flight[0]] == 0
    # Both workers consumed some; their own counts add up to the scraped total.
    per_process = received_per_process(metrics_dir, subject)
    assert set(per_process) == ready_pids(tmp_path)
    assert all(count > 0 for count in per_process.values())
    assert sum(per_process.values()) == JOBS


def test_single_process_serves_the_default_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    from prometheus_client import REGISTRY

    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    assert metrics_registry() is REGISTRY


def test_the_merging_registry_is_refused_as_the_middlewares(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    merging = metrics_registry()
    assert isinstance(merging, CollectorRegistry)
    with pytest.raises(ValueError, match="leave PrometheusMiddleware"):
        PrometheusMiddleware(registry=merging)

"""Child processes of the command: N workers of a plain app, and what ``--reload`` restarts.

Each child is ``python -m faststream_fastapi run ...`` with one worker (or
``docs serve ...``); the parent forwards SIGINT and SIGTERM and waits, within a
bound, for them to end.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

#: How long a child has to stop after SIGTERM before it is killed.
STOP_TIMEOUT = 30.0


def child_command(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "faststream_fastapi", *args]


class Stopping:
    """The handler of SIGINT and SIGTERM in the parent: it only records the request."""

    def __init__(self) -> None:
        self.event = threading.Event()

    @property
    def requested(self) -> bool:
        return self.event.is_set()

    def __call__(self, signum: int, frame: object) -> None:
        self.event.set()


def stop(procs: Sequence[subprocess.Popen[bytes]], timeout: float = STOP_TIMEOUT) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


_Saved = dict[signal.Signals, Any]


def trap_signals() -> tuple[Stopping, _Saved]:
    stopping = Stopping()
    saved = {sig: signal.signal(sig, stopping) for sig in (signal.SIGINT, signal.SIGTERM)}
    return stopping, saved


def restore(saved: _Saved) -> None:
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def run_workers(args: Sequence[str], workers: int, poll: float = 0.2) -> int:
    """Run ``workers`` copies of ``run args``; stop all on a signal or when one fails."""
    stopping, saved = trap_signals()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs = [subprocess.Popen(child_command(args)) for _ in range(workers)]
        while not stopping.requested:
            failed = [p for p in procs if p.poll() not in (None, 0)]
            if failed or all(p.poll() is not None for p in procs):
                stop(procs)
                return failed[0].returncode if failed else 0
            time.sleep(poll)
        stop(procs)
        return 0
    finally:
        stop(procs, timeout=1.0)
        restore(saved)

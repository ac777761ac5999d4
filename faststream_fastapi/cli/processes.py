"""Child processes of ``run``: N workers of a plain app, and the ``--reload`` loop.

Each child is ``python -m faststream_fastapi run ...`` with one worker; the
parent forwards SIGINT and SIGTERM and waits, within a bound, for them to end.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

#: How long a child has to stop after SIGTERM before it is killed.
STOP_TIMEOUT = 30.0


def child_command(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "faststream_fastapi", *args]


class _Stopping:
    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: object) -> None:
        self.requested = True


def _stop(procs: Sequence[subprocess.Popen[bytes]], timeout: float = STOP_TIMEOUT) -> None:
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


def _trap_signals() -> tuple[_Stopping, _Saved]:
    stopping = _Stopping()
    saved = {sig: signal.signal(sig, stopping) for sig in (signal.SIGINT, signal.SIGTERM)}
    return stopping, saved


def _restore(saved: _Saved) -> None:
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def run_workers(args: Sequence[str], workers: int, poll: float = 0.2) -> int:
    """Run ``workers`` copies of ``run args``; stop all on a signal or when one fails."""
    stopping, saved = _trap_signals()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs = [subprocess.Popen(child_command(args)) for _ in range(workers)]
        while not stopping.requested:
            failed = [p for p in procs if p.poll() not in (None, 0)]
            if failed or all(p.poll() is not None for p in procs):
                _stop(procs)
                return failed[0].returncode if failed else 0
            time.sleep(poll)
        _stop(procs)
        return 0
    finally:
        _stop(procs, timeout=1.0)
        _restore(saved)


def _sources(directory: Path) -> Iterator[Path]:
    for path in directory.rglob("*.py"):
        if not any(part.startswith(".") or part == "__pycache__" for part in path.parts):
            yield path


def _snapshot(directory: Path) -> dict[Path, float]:
    stamps = {}
    for path in _sources(directory):
        try:
            stamps[path] = path.stat().st_mtime
        except OSError:  # removed while we looked
            continue
    return stamps


def run_with_reload(args: Sequence[str], directory: str, poll: float = 0.5) -> int:
    """Run ``run args`` and restart it whenever a ``.py`` file under ``directory`` changes."""
    root = Path(directory).resolve()
    stopping, saved = _trap_signals()
    proc: subprocess.Popen[bytes] | None = None
    try:
        stamps = _snapshot(root)
        proc = subprocess.Popen(child_command(args))
        print(f"Watching {root} for changes", file=sys.stderr)
        while not stopping.requested:
            time.sleep(poll)
            current = _snapshot(root)
            if current != stamps:
                changed = sorted(str(p.relative_to(root)) for p in set(current) ^ set(stamps))
                changed += sorted(
                    str(p.relative_to(root))
                    for p in current
                    if stamps.get(p, current[p]) != current[p]
                )
                stamps = current
                print(f"Reloading: {', '.join(changed) or 'files changed'}", file=sys.stderr)
                _stop([proc])
                proc = subprocess.Popen(child_command(args))
        _stop([proc])
        return 0
    finally:
        if proc is not None:
            _stop([proc], timeout=1.0)
        _restore(saved)

"""Child processes of the command: N workers of a plain app, and what ``--reload`` restarts.

Each child is ``python -m faststream_fastapi run ...`` with one worker (or
``docs serve ...``), or, for ``FastStream.run(run_extra_options={"workers": N})``
which has no import string to give, a fork of the caller running the app; the
parent forwards SIGINT and SIGTERM and waits, within a bound, for them to end.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

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


class Child(Protocol):
    """What supervising needs of a child: ``subprocess.Popen``'s names."""

    @property
    def returncode(self) -> int | None: ...

    def poll(self) -> int | None: ...
    def send_signal(self, sig: int) -> None: ...
    def wait(self, timeout: float | None = None) -> int: ...
    def kill(self) -> None: ...


class Forked:
    """A forked ``multiprocessing`` child running ``target``, seen as a ``Popen``."""

    def __init__(self, target: Callable[[], None]) -> None:
        self._proc = multiprocessing.get_context("fork").Process(target=_in_child, args=(target,))
        self._proc.start()

    @property
    def returncode(self) -> int | None:
        return self._proc.exitcode

    def poll(self) -> int | None:
        return self._proc.exitcode

    def send_signal(self, sig: int) -> None:
        if self._proc.pid is not None and self._proc.exitcode is None:
            os.kill(self._proc.pid, sig)

    def wait(self, timeout: float | None = None) -> int:
        self._proc.join(timeout)
        if self._proc.exitcode is None:
            raise subprocess.TimeoutExpired("fork", timeout or 0)
        return self._proc.exitcode

    def kill(self) -> None:
        self._proc.kill()


def _in_child(target: Callable[[], None]) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):  # the parent's traps are not the child's
        signal.signal(sig, signal.SIG_DFL)
    target()


def stop(procs: Sequence[Child], timeout: float = STOP_TIMEOUT) -> None:
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
    return supervise(lambda: subprocess.Popen(child_command(args)), workers, poll)


def run_forked(target: Callable[[], None], workers: int, poll: float = 0.2) -> int:
    """Run ``target`` in ``workers`` forks of this process, supervised as ``run_workers``."""
    return supervise(lambda: Forked(target), workers, poll)


def supervise(start: Callable[[], Child], workers: int, poll: float = 0.2) -> int:
    """Start ``workers`` children; stop all on a signal or when one fails; the exit status."""
    stopping, saved = trap_signals()
    procs: list[Child] = []
    try:
        procs = [start() for _ in range(workers)]
        while not stopping.requested:
            failed = [p for p in procs if p.poll() not in (None, 0)]
            if failed or all(p.poll() is not None for p in procs):
                stop(procs)
                return (failed[0].returncode or 1) if failed else 0
            time.sleep(poll)
        stop(procs)
        return 0
    finally:
        stop(procs, timeout=1.0)
        restore(saved)

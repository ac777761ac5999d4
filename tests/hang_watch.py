"""A test stuck past ``HANG_AFTER`` seconds is failed, with its asyncio tasks' stacks.

A hang would otherwise hold the whole run until CI's limit and say nothing of
where it waits. After the limit a timer thread finds the event loop the test
runs (the ``self`` of the loop's frames in the main thread), and on that loop
prints every task's stack and cancels the tasks: the test fails with
``CancelledError`` and its captured stderr shows where each task waited. A
test hung outside a loop gets every thread's stack printed instead.
"""

from __future__ import annotations

import asyncio
import faulthandler
import os
import sys
import threading
from collections.abc import Generator
from typing import Any

import pytest

#: Seconds one test may take; the longest real-broker tests take about a minute.
HANG_AFTER = float(os.environ.get("TEST_HANG_AFTER", "300"))


def _loop_of(thread_id: int) -> asyncio.AbstractEventLoop | None:
    frame = sys._current_frames().get(thread_id)
    while frame is not None:
        owner = frame.f_locals.get("self")
        if isinstance(owner, asyncio.AbstractEventLoop):
            return owner
        frame = frame.f_back
    return None


def _awaiting(task: asyncio.Task[Any]) -> list[str]:
    """Where ``task`` waits: each coroutine of its await chain, outermost first
    (``Task.print_stack`` shows the outermost only)."""
    lines, coro = [], task.get_coro()
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None:
            code = frame.f_code
            lines.append(f"  {code.co_filename}:{frame.f_lineno} in {code.co_name}")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return lines


def _dump_and_cancel(loop: asyncio.AbstractEventLoop, test: str) -> None:
    tasks = asyncio.all_tasks(loop)
    print(f"\n{test} still running after {HANG_AFTER:g} s; its tasks:", file=sys.stderr)
    for task in tasks:
        print(f"--- {task.get_name()}", *_awaiting(task), sep="\n", file=sys.stderr)
    for task in tasks:
        task.cancel()


def _expired(thread_id: int, test: str) -> None:
    loop = _loop_of(thread_id)
    if loop is None or loop.is_closed():
        print(f"\n{test} still running after {HANG_AFTER:g} s; threads:", file=sys.stderr)
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        return
    loop.call_soon_threadsafe(_dump_and_cancel, loop, test)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    timer = threading.Timer(HANG_AFTER, _expired, (threading.get_ident(), item.nodeid))
    timer.daemon = True
    timer.start()
    try:
        return (yield)
    finally:
        timer.cancel()

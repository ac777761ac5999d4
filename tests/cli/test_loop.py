"""``run --loop``'s choice of event loop, in this process (``faststream_fastapi.cli.loop``).

The command's own runs, each process reporting its loop, are in ``tests/asgi/test_cli.py``.
"""

from __future__ import annotations

import asyncio
import importlib
import sys

import pytest

from faststream_fastapi.cli.loop import chosen_loop, run_on
from faststream_fastapi.cli.parser import LOOPS, UsageError


async def loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__.split(".")[0]


@pytest.fixture
def no_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    """``import uvloop`` fails, as when it is not installed."""
    monkeypatch.setitem(sys.modules, "uvloop", None)


def test_auto_and_uvloop_take_uvloop_when_it_is_installed() -> None:
    # The test environments install the cli extra, uvloop with it.
    assert chosen_loop("auto") == "uvloop"
    assert chosen_loop("uvloop") == "uvloop"


def test_asyncio_is_asyncio_whatever_is_installed(no_uvloop: None) -> None:
    assert chosen_loop("asyncio") == "asyncio"


def test_without_uvloop_auto_is_asyncio(no_uvloop: None) -> None:
    assert chosen_loop("auto") == "asyncio"


def test_without_uvloop_asking_for_it_names_the_option_and_the_install(
    no_uvloop: None,
) -> None:
    with pytest.raises(UsageError) as raised:
        chosen_loop("uvloop")
    message = str(raised.value)
    assert message.startswith("--loop uvloop: uvloop is not installed")
    assert "pip install uvloop" in message and "pip install -e '.[cli]'" in message


@pytest.mark.parametrize("platform", ["win32", "cygwin"])
def test_on_windows_auto_is_asyncio_and_uvloop_is_refused(
    monkeypatch: pytest.MonkeyPatch, platform: str
) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    assert chosen_loop("auto") == "asyncio"
    with pytest.raises(UsageError, match=r"^--loop uvloop: uvloop does not run on Windows"):
        chosen_loop("uvloop")


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_run_on_runs_the_coroutine_on_that_loop_and_returns_its_value(loop: str) -> None:
    policy = asyncio.get_event_loop_policy()
    assert run_on(loop, loop_module()) == loop
    assert asyncio.get_event_loop_policy() is policy  # nothing process-wide was changed


def test_asyncio_is_asyncios_loop_even_under_uvloops_policy() -> None:
    """An app (or uvicorn < 0.36's loop setup) may install uvloop's policy process-wide:
    ``--loop asyncio`` still runs on asyncio's own loop."""
    import uvloop

    policy = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    try:
        assert run_on("asyncio", loop_module()) == "asyncio"
    finally:
        asyncio.set_event_loop_policy(policy)


def test_each_loop_has_its_gunicorn_worker() -> None:
    """``run --workers N`` runs gunicorn's uvicorn workers on the loop ``--loop`` chose."""
    from faststream_fastapi.cli.gunicorn_runner import WORKER_CLASSES

    assert set(WORKER_CLASSES) == set(LOOPS)
    for loop, path in WORKER_CLASSES.items():
        module, _, name = path.rpartition(".")
        worker = getattr(importlib.import_module(module), name)
        assert worker.CONFIG_KWARGS["loop"] == loop

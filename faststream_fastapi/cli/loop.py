"""``run --loop``: the event loop the app runs on, uvloop when it is installed.

FastStream 0.5's ``run`` and uvicorn's ``--loop auto`` both take uvloop when it
can be imported, and so does ``auto`` here, in one process, in the workers of a
plain app and in gunicorn's uvicorn workers alike. ``asyncio`` keeps asyncio's
own loop (to rule uvloop out when chasing a problem); ``uvloop`` insists on it.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

from .parser import UsageError

T = TypeVar("T")


def chosen_loop(choice: str) -> str:
    """The loop ``--loop choice`` means in this interpreter: ``"asyncio"`` or ``"uvloop"``.

    Checked before anything starts, so ``--loop uvloop`` without uvloop is a
    one-line usage error rather than a failure in every worker.
    """
    if choice == "asyncio":
        return "asyncio"
    missing = _why_no_uvloop()
    if missing is None:
        return "uvloop"
    if choice == "uvloop":
        raise UsageError(f"--loop uvloop: {missing}")
    return "asyncio"


def _why_no_uvloop() -> str | None:
    """Why uvloop cannot be used here, or ``None`` when it can."""
    if sys.platform in ("win32", "cygwin"):
        return "uvloop does not run on Windows; use --loop asyncio or auto"
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return (
            "uvloop is not installed; install it (pip install uvloop) or the cli extra"
            " (in this project's clone: pip install -e '.[cli]')"
        )
    return None


def run_on(loop: str, main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to its end on a new event loop of kind ``loop`` (see ``chosen_loop``).

    ``uvloop.run`` makes a uvloop loop for this call only: the process-wide
    event loop policy is left as it was.
    """
    if loop == "uvloop":
        import uvloop

        return uvloop.run(main)
    if sys.version_info >= (3, 11):
        # asyncio's own loop even where the app (or uvicorn < 0.36, whose loop
        # setup did) installed uvloop's policy process-wide.
        with asyncio.Runner(loop_factory=asyncio.DefaultEventLoopPolicy().new_event_loop) as runner:
            return runner.run(main)
    return asyncio.run(main)  # 3.10 has no Runner: the policy's loop

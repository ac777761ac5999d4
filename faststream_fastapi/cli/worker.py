"""The gunicorn worker of ``run --workers N``: the ``uvicorn-worker`` package's, adjusted.

``uvicorn_worker.UvicornWorker`` (the maintained successor of
``uvicorn.workers``) serves the ASGI app with uvicorn on gunicorn's sockets.
What is ours: the lifespan is ``on`` for our apps (``auto`` for other ASGI
apps); open HTTP requests get gunicorn's ``graceful_timeout`` to finish;
gunicorn's quick stop (SIGQUIT, sent on SIGINT) is a graceful stop too, so
in-flight messages finish; and the SIGTERM uvicorn re-raises after its graceful
shutdown ends the worker quietly instead of as a signal gunicorn reports.

``UvicornWorker`` takes uvicorn's ``loop="auto"`` (uvloop when installed);
``run --loop`` picks the subclass named for the loop it chose, so the workers
run on the same loop as a single ``run`` process would.
"""

from __future__ import annotations

import os
import signal
from typing import Any

import uvicorn_worker

from ..app import FastStream
from ..asgi.app import AsgiFastStream
from ..asgi.server import signals_end_quietly


class UvicornWorker(uvicorn_worker.UvicornWorker):  # type: ignore[misc]
    """``uvicorn_worker.UvicornWorker`` with the app's own lifespan and a quiet end."""

    def run(self) -> None:
        ours = isinstance(self.wsgi, FastStream | AsgiFastStream)
        self.config.lifespan = "on" if ours else "auto"
        self.config.timeout_graceful_shutdown = int(self.cfg.graceful_timeout)
        with signals_end_quietly():
            super().run()

    def handle_exit(self, sig: int, frame: Any) -> None:
        super().handle_exit(sig, frame)
        if sig == signal.SIGQUIT:
            os.kill(os.getpid(), signal.SIGTERM)  # uvicorn's own graceful stop


class AsyncioUvicornWorker(UvicornWorker):
    """``UvicornWorker`` on asyncio's own loop (``run --workers N --loop asyncio``)."""

    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "loop": "asyncio"}


class UvloopUvicornWorker(UvicornWorker):
    """``UvicornWorker`` on uvloop (``run --workers N`` with ``--loop uvloop``, or ``auto``)."""

    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "loop": "uvloop"}

"""A gunicorn worker that serves the ASGI app with uvicorn, lifespan included.

``faststream-fastapi run --workers N`` uses it: gunicorn binds the addresses
and supervises N of these, each running the app's own lifespan. (It stands in
for ``uvicorn.workers``, which recent uvicorn releases deprecate.)
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from typing import Any

import uvicorn
from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker

from ..app import FastStream
from ..asgi.app import AsgiFastStream
from ..asgi.server import signals_end_quietly


class UvicornWorker(Worker):  # type: ignore[misc]
    """Serve ``self.wsgi`` (the loaded ASGI app) on gunicorn's sockets with uvicorn."""

    server: uvicorn.Server | None = None

    def init_signals(self) -> None:
        # uvicorn handles SIGINT and SIGTERM (graceful); gunicorn's own handlers
        # would stop the loop abruptly, so only SIGQUIT and SIGUSR1 are ours.
        for sig in self.SIGNALS:
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGQUIT, self._stop)  # gunicorn's "quick" stop: still graceful here
        signal.signal(signal.SIGUSR1, self.handle_usr1)
        signal.siginterrupt(signal.SIGUSR1, False)

    def _stop(self, signum: int, frame: Any) -> None:
        if self.server is not None:
            self.server.should_exit = True

    async def _notify(self) -> None:
        self.notify()
        if os.getppid() != self.ppid and self.server is not None:
            self.log.info("parent changed, shutting down: %s", self)
            self.server.should_exit = True

    def run(self) -> None:
        app = self.wsgi
        for name in ("uvicorn", "uvicorn.error"):
            logger = logging.getLogger(name)
            logger.handlers = list(self.log.error_log.handlers)
            logger.setLevel(self.log.error_log.level)
            logger.propagate = False
        config = uvicorn.Config(
            app,
            lifespan="on" if isinstance(app, FastStream | AsgiFastStream) else "auto",
            log_config=None,
            log_level=self.log.error_log.level,
            access_log=bool(self.cfg.accesslog),
            timeout_keep_alive=self.cfg.keepalive,
            timeout_notify=max(1, int(self.timeout) // 2),
            timeout_graceful_shutdown=int(self.cfg.graceful_timeout),
            callback_notify=self._notify,
            limit_max_requests=self.max_requests or None,
        )
        self.server = uvicorn.Server(config)
        started = asyncio.run(self._serve(self.server))
        if not started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)

    async def _serve(self, server: uvicorn.Server) -> bool:
        with signals_end_quietly():
            await server.serve(sockets=[s.sock for s in self.sockets])
        return bool(server.started)

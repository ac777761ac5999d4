"""``run --workers N`` for ASGI apps: gunicorn binds and supervises N uvicorn workers.

The app is loaded once here, before gunicorn forks; each worker runs the
app's own ASGI lifespan (hooks and broker). Extra options that name a
gunicorn setting (``--timeout 60``, ``--graceful-timeout 20``) also configure
gunicorn.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

#: The worker class for each ``--loop``; ``auto`` is uvicorn's own choice.
WORKER_CLASSES = {
    "auto": "faststream_fastapi.cli.worker.UvicornWorker",
    "asyncio": "faststream_fastapi.cli.worker.AsyncioUvicornWorker",
    "uvloop": "faststream_fastapi.cli.worker.UvloopUvicornWorker",
}


def run_gunicorn(
    app: Any,
    binds: Sequence[str],
    workers: int,
    log_level: int,
    options: Mapping[str, Any],
    loop: str = "auto",
) -> int:
    """Serve ``app`` with gunicorn until it is stopped; returns gunicorn's exit status.

    The workers run on the event loop ``loop`` names (``auto``, ``asyncio`` or ``uvloop``).
    """
    from gunicorn.app.base import BaseApplication

    settings: dict[str, Any] = {
        "bind": list(binds),
        "workers": workers,
        "worker_class": WORKER_CLASSES[loop],
        "loglevel": logging.getLevelName(log_level).lower(),
    }

    class Runner(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings and value is not None:
                    self.cfg.set(key, value)
            for key, value in settings.items():
                self.cfg.set(key, value)
            # gunicorn >= 25.1 opens one control socket per user by default; two
            # servers would fight over it, so it is opt-in (--control-socket PATH).
            if "control_socket_disable" in self.cfg.settings and "control_socket" not in options:
                self.cfg.set("control_socket_disable", True)

        def load(self) -> Any:
            return app

    try:
        Runner().run()
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0

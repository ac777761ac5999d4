from __future__ import annotations

from pathlib import Path

import pytest

#: ``bare:app``: an ASGI app with no broker; HTTP answers "ok", each startup adds a
#: line (the process id) to ``starts.txt`` beside it.
BARE_APP = """
import os
import pathlib

HERE = pathlib.Path(__file__).parent


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                with (HERE / "starts.txt").open("a") as f:
                    f.write(f"{os.getpid()}\\n")
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
"""


@pytest.fixture
def bare_app(tmp_path: Path) -> Path:
    """A directory holding ``bare.py`` (``bare:app``); returns the directory."""
    (tmp_path / "bare.py").write_text(BARE_APP)
    return tmp_path

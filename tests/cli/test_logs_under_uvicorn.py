"""Under plain ``uvicorn``, as under ``faststream-fastapi run``, the library's log lines show.

The getting-started command, ``uvicorn examples.brokers.redis_app:app``, prints the
handler's ``logger.info(...)`` and a ``Received`` / ``Processed`` pair per message,
each line with the message's destination (and its id when it has one); ``log_level=`` below the
logger's level or ``logger=None`` quiets them. Real uvicorn, real Redis.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from support import spawn

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.redis

APP = """
import logging

from fastapi import FastAPI

from faststream_fastapi.redis.fastapi import Logger, RedisRouter

router = RedisRouter("redis://127.0.0.1:6379", {options})


@router.subscriber({channel!r})
async def handle(n: int, logger: Logger) -> None:
    logger.info("handled %s", n)


app = FastAPI(lifespan=router.lifespan_context)
app.include_router(router)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(log: Path, proc: object, *texts: str, bound: float = 30) -> str:
    deadline = time.monotonic() + bound
    while True:
        text = log.read_text()
        if all(t in text for t in texts):
            return text
        assert proc.poll() is None, text  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, text
        time.sleep(0.1)


def uvicorn(app: str, port: int, app_dir: Path) -> list[str]:
    command = [sys.executable, "-m", "uvicorn", app, "--port", str(port)]
    return [*command, "--app-dir", str(app_dir)]


def faststream_fastapi(app: str, port: int, app_dir: Path) -> list[str]:
    script = Path(sys.executable).parent / "faststream-fastapi"
    assert script.exists(), f"{script} missing: reinstall the project (pip install -e '.[all]')"
    return [str(script), "run", app, "--port", str(port), "--app-dir", str(app_dir)]


@pytest.mark.parametrize("server", [uvicorn, faststream_fastapi], ids=["uvicorn", "cli"])
def test_the_getting_started_command_shows_handler_and_message_lines(
    tmp_path: Path, server: Callable[[str, int, Path], list[str]]
) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = tmp_path / "output.log"
    with spawn(tmp_path, *server("examples.brokers.redis_app:app", port, ROOT), env=env) as proc:
        wait_for(log, proc, "Application startup complete")
        order = {"id": 7, "item": "pen-" + uuid.uuid4().hex[:8]}
        answer = httpx.post(
            f"http://127.0.0.1:{port}/orders", json=order, headers={"X-User": "ann"}
        )
        assert answer.status_code == 202
        text = wait_for(log, proc, f"order 7: 1 x {order['item']} for ann", "Processed")
        proc.terminate()
        proc.wait(30)
    handler_line = next(line for line in text.splitlines() if order["item"] in line)
    # time LEVEL logger: destination [| message or correlation id] - message
    context = re.search(
        r" INFO +faststream_fastapi: (orders(?: \| \S+)?) - order 7: ", handler_line
    )
    assert context, handler_line
    assert f"INFO     faststream_fastapi: {context[1]} - Received" in text
    assert f"INFO     faststream_fastapi: {context[1]} - Processed" in text


@pytest.mark.parametrize(
    ("options", "shown", "hidden"),
    [
        ("", ["handled 1", "Received", "Processed"], []),
        ("log_level=logging.DEBUG", ["handled 1"], ["Received", "Processed"]),
        ("logger=None", [], ["handled 1", "Received", "Processed"]),
    ],
    ids=["default", "log_level", "logger-none"],
)
def test_log_level_and_logger_none_quiet_them(
    tmp_path: Path, options: str, shown: list[str], hidden: list[str]
) -> None:
    channel = f"logs-{uuid.uuid4().hex[:8]}"
    (tmp_path / "quiet_app.py").write_text(APP.format(options=options, channel=channel))
    port = free_port()
    log = tmp_path / "output.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with spawn(tmp_path, *uvicorn("quiet_app:app", port, tmp_path), env=env) as proc:
        wait_for(log, proc, "Application startup complete")

        async def publish() -> None:
            from faststream_fastapi.redis import RedisBroker

            async with RedisBroker("redis://127.0.0.1:6379") as broker:
                await broker.publish(1, channel)
                await broker.publish(2, channel)

        asyncio.run(publish())
        if shown:
            wait_for(log, proc, *shown, "handled 2")
        time.sleep(1.0)  # time for a line that should not come
        proc.terminate()
        proc.wait(30)  # uvicorn ends by the signal it was sent once it has shut down
    text = log.read_text()
    for line in shown:
        assert line in text, text
    for line in hidden:
        assert line not in text, text
    assert "Traceback" not in text

"""A broker unreachable at startup: one line naming it and its address, then the server's
own failure, for a FastAPI app with a ``StreamRouter`` as for an ``AsgiFastStream``.

Under ``faststream-fastapi run`` the two print the same three lines, and so does a
FastAPI app under plain ``uvicorn``: the router, when included, has the app's router
report our error as its one line instead of Starlette's formatted traceback.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

ROUTER_APP = """
from fastapi import FastAPI

from faststream_fastapi.redis.fastapi import RedisRouter

router = RedisRouter("redis://127.0.0.1:1")


@router.subscriber("jobs")
async def handle(body: str) -> None: ...


app = FastAPI(title="orders", lifespan=router.lifespan_context)
app.include_router(router)
"""

ASGI_APP = """
from faststream_fastapi.asgi import AsgiFastStream
from faststream_fastapi.redis import RedisBroker

broker = RedisBroker("redis://127.0.0.1:1")


@broker.subscriber("jobs")
async def handle(body: str) -> None: ...


app = AsgiFastStream(broker, title="orders")
"""

REASON = "BrokerConnectionError: RedisBroker cannot connect: ConnectionError: Error 111"


@pytest.fixture
def apps(tmp_path: Path) -> Path:
    (tmp_path / "router_app.py").write_text(ROUTER_APP)
    (tmp_path / "asgi_app.py").write_text(ASGI_APP)
    return tmp_path


def free_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


def run(where: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """``command`` run from ``where``: ``faststream-fastapi ...`` is the console script."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if command[0] == "faststream-fastapi":
        script = Path(sys.executable).parent / "faststream-fastapi"
        assert script.exists(), f"{script} missing: reinstall the project (pip install -e '.[all]')"
        argv = [str(script), *command[1:]]
    else:
        argv = [sys.executable, "-m", *command]
    return subprocess.run(argv, cwd=where, env=env, capture_output=True, text=True, timeout=60)


def after_startup(output: str) -> list[str]:
    """The lines from "Waiting for application startup." on, times cut off."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if "Waiting for application startup" in line)
    return [line.split(" ", 2)[2] if line[:2] == "20" else line for line in lines[start + 1 :]]


@pytest.mark.parametrize("module", ["router_app", "asgi_app"])
def test_under_the_cli_one_line_then_the_servers_failure(apps: Path, module: str) -> None:
    done = run(apps, "faststream-fastapi", "run", f"{module}:app", "--port", free_port())
    assert done.returncode == 3, done.stderr
    lines = after_startup(done.stderr)
    assert len(lines) == 3, done.stderr
    ours, server, failed = lines
    assert ours.startswith(f"ERROR    faststream_fastapi: orders: startup failed: {REASON}")
    assert "127.0.0.1:1" in ours
    assert server.startswith(f"ERROR:    {REASON}")
    assert failed == "ERROR:    Application startup failed. Exiting."


def test_both_kinds_print_the_same_under_the_cli(apps: Path) -> None:
    outputs = [
        after_startup(
            run(apps, "faststream-fastapi", "run", f"{m}:app", "--port", free_port()).stderr
        )
        for m in ("router_app", "asgi_app")
    ]
    assert outputs[0] == outputs[1]


def test_under_plain_uvicorn_the_router_names_broker_and_address_first(apps: Path) -> None:
    done = run(apps, "uvicorn", "router_app:app", "--port", free_port())
    assert "Application startup failed. Exiting." in done.stderr
    lines = after_startup(done.stderr)
    assert lines[0].startswith(f"ERROR    faststream_fastapi: orders: startup failed: {REASON}")
    assert "127.0.0.1:1" in lines[0]
    # No cause chain from the client library: a short traceback ending in our one line.
    assert "The above exception was the direct cause" not in done.stderr
    assert "During handling of the above exception" not in done.stderr
    assert "redis/asyncio" not in done.stderr
    assert len(lines) < 25, done.stderr


def test_under_plain_uvicorn_the_same_three_lines_as_under_the_cli(apps: Path) -> None:
    done = run(apps, "uvicorn", "router_app:app", "--port", free_port())
    assert done.returncode != 0
    cli = run(apps, "faststream-fastapi", "run", "router_app:app", "--port", free_port())
    assert after_startup(done.stderr) == after_startup(cli.stderr), done.stderr
    assert "Traceback" not in done.stderr


def test_a_router_included_twice_or_nested_shortens_once(apps: Path) -> None:
    source = (apps / "router_app.py").read_text()
    source = source.replace(
        "app.include_router(router)",
        "from fastapi import APIRouter\n"
        "outer = APIRouter()\nouter.include_router(router)\n"
        "app.include_router(outer)\napp.include_router(router, prefix='/again')",
    )
    (apps / "nested_app.py").write_text(source)
    lines = after_startup(run(apps, "uvicorn", "nested_app:app", "--port", free_port()).stderr)
    assert len(lines) == 3, lines
    assert lines[1].startswith(f"ERROR:    {REASON}")

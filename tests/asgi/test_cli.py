"""``faststream-fastapi run`` and ``docs gen`` in real subprocesses, against real Redis."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from support import spawn

APP = """
import asyncio
import os
import pathlib

from faststream_fastapi import FastStream
from faststream_fastapi.asgi import AsgiFastStream, make_ping_asgi
from faststream_fastapi.redis import RedisBroker

HERE = pathlib.Path(__file__).parent
broker = RedisBroker("redis://127.0.0.1:6379")


def record(line):
    with (HERE / "record.txt").open("a") as f:
        f.write(line + "\\n")


@broker.subscriber("{channel}")
async def slow(msg: str) -> None:
    record(f"handling {{msg}}")
    await asyncio.sleep(1.0)
    record(f"handled {{msg}}")


app = AsgiFastStream(broker, asgi_routes=[("/health", make_ping_asgi(broker, timeout=2.0))])
plain = FastStream(broker)


def started(**options):
    record(f"start {{os.getpid()}} {{sorted(options.items())}}")


def stopped():
    record(f"stop {{os.getpid()}}")


async def record_loop():
    module = type(asyncio.get_running_loop()).__module__
    with (HERE / "loops.txt").open("a") as f:
        f.write(module.split(".")[0] + "\\n")


for each in (app, plain):
    each.on_startup(started)
    each.on_startup(record_loop)
    each.after_shutdown(stopped)


def make_app():
    return app


broken = AsgiFastStream(RedisBroker("redis://127.0.0.1:1"))
"""

BOUND = 30.0


@pytest.fixture
def project(tmp_path: Path, name: str) -> Path:
    (tmp_path / "main.py").write_text(APP.format(channel=name))
    return tmp_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run_cli(cwd: Path, *args: str, **kwargs: Any) -> Any:
    return spawn(cwd, sys.executable, "-m", "faststream_fastapi", "run", *args, **kwargs)


def output(cwd: Path) -> str:
    return (cwd / "output.log").read_text(errors="replace")


def wait_until(check: Callable[[], bool], cwd: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + BOUND
    while not check():
        if proc.poll() is not None:
            pytest.fail(f"exited with {proc.returncode}:\n{output(cwd)}")
        if time.monotonic() > deadline:
            pytest.fail(f"not ready in {BOUND} s:\n{output(cwd)}")
        time.sleep(0.05)


def health(client: httpx.Client, url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return client.get(url).status_code == 204
        except httpx.TransportError:
            return False

    return check


def accepting(path: Path) -> Callable[[], bool]:
    """The unix socket accepts connections (checked with a socket we close ourselves)."""

    def check() -> bool:
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(str(path))
            except OSError:
                return False
            return True

    return check


def records(cwd: Path) -> list[str]:
    path = cwd / "record.txt"
    return path.read_text().splitlines() if path.exists() else []


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
    proc.send_signal(sig)
    return proc.wait(BOUND)


@pytest.mark.redis
def test_tcp_health_and_sigterm_exit_zero(project: Path) -> None:
    port = free_port()
    with run_cli(project, "main:app", "--port", str(port), "--env", "prod") as proc:
        with httpx.Client(timeout=5) as client:
            wait_until(health(client, f"http://127.0.0.1:{port}/health"), project, proc)
            assert client.get(f"http://127.0.0.1:{port}/nothing").status_code == 404
        assert stop(proc) == 0, output(project)
    assert records(project) == [
        f"start {proc.pid} [('env', 'prod')]",
        f"stop {proc.pid}",
    ]


@pytest.mark.redis
def test_unix_socket_and_sigint(project: Path) -> None:
    sock = project / "app.sock"
    with run_cli(project, "main:app", "--bind", f"unix:{sock}") as proc:
        wait_until(accepting(sock), project, proc)
        transport = httpx.HTTPTransport(uds=str(sock))
        with httpx.Client(transport=transport, timeout=5) as client:
            wait_until(health(client, "http://localhost/health"), project, proc)
        assert stop(proc, signal.SIGINT) == 0, output(project)
    assert not sock.exists()
    assert records(project)[-1] == f"stop {proc.pid}"


@pytest.mark.redis
def test_several_binds_in_one_process(project: Path) -> None:
    port = free_port()
    sock = project / "both.sock"
    with run_cli(
        project,
        "main:app",
        "--bind",
        f"127.0.0.1:{port}",
        "--bind",
        f"unix:{sock}",
        "--bind",
        "[::1]:0",
    ) as proc:
        with httpx.Client(timeout=5) as tcp:
            wait_until(health(tcp, f"http://127.0.0.1:{port}/health"), project, proc)
        with httpx.Client(transport=httpx.HTTPTransport(uds=str(sock)), timeout=5) as uds:
            assert uds.get("http://localhost/health").status_code == 204
        assert stop(proc) == 0, output(project)


@pytest.mark.redis
def test_bind_to_an_inherited_file_descriptor(project: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    fd = listener.fileno()
    try:
        with run_cli(project, "main:app", "--bind", f"fd://{fd}", pass_fds=(fd,)) as proc:
            with httpx.Client(timeout=5) as client:
                wait_until(health(client, f"http://127.0.0.1:{port}/health"), project, proc)
            assert stop(proc) == 0, output(project)
    finally:
        listener.close()


@pytest.mark.redis
def test_two_workers_each_run_the_lifespan(project: Path) -> None:
    port = free_port()
    with run_cli(project, "main:app", "--workers", "2", "--port", str(port), "--env", "w") as proc:
        wait_until(lambda: len(records(project)) >= 2, project, proc)
        with httpx.Client(timeout=5) as client:
            wait_until(health(client, f"http://127.0.0.1:{port}/health"), project, proc)
        assert stop(proc) == 0, output(project)
    starts = [line.split() for line in records(project) if line.startswith("start")]
    pids = {int(parts[1]) for parts in starts}
    assert len(starts) == 2 and len(pids) == 2 and proc.pid not in pids
    assert all(line.endswith("[('env', 'w')]") for line in records(project) if "start" in line)
    stops = {int(line.split()[1]) for line in records(project) if line.startswith("stop")}
    assert stops == pids


@pytest.mark.redis
def test_factory(project: Path) -> None:
    port = free_port()
    with run_cli(project, "main:make_app", "--factory", "--port", str(port)) as proc:
        with httpx.Client(timeout=5) as client:
            wait_until(health(client, f"http://127.0.0.1:{port}/health"), project, proc)
        assert stop(proc) == 0, output(project)


@pytest.mark.redis
def test_app_dir(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("cwd")
    port = free_port()
    with run_cli(elsewhere, "main:app", "--app-dir", str(project), "--port", str(port)) as proc:
        with httpx.Client(timeout=5) as client:
            wait_until(health(client, f"http://127.0.0.1:{port}/health"), elsewhere, proc)
        assert stop(proc) == 0, output(elsewhere)


@pytest.mark.parametrize(
    ("target", "named"),
    [("nosuchmodule:app", "nosuchmodule"), ("main:missing", "missing"), ("main", "module:app")],
)
@pytest.mark.redis
def test_a_wrong_target_is_one_line_without_traceback(
    project: Path, target: str, named: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "faststream_fastapi", "run", target],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=BOUND,
    )
    assert done.returncode != 0
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert named in lines[0]
    assert "Traceback" not in lines[0]


@pytest.mark.redis
def test_the_console_script_is_installed(project: Path) -> None:
    done = subprocess.run(
        ["faststream-fastapi", "run", "main:nothing"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=BOUND,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "Error: 'nothing' not found in module 'main'"


@pytest.mark.redis
@pytest.mark.parametrize(
    ("target", "workers", "sig"),
    [
        ("main:plain", "1", signal.SIGTERM),
        ("main:app", "1", signal.SIGTERM),
        ("main:app", "1", signal.SIGINT),
        ("main:app", "2", signal.SIGINT),
    ],
)
def test_in_flight_messages_finish_on_a_signal(
    project: Path, name: str, target: str, workers: str, sig: signal.Signals
) -> None:
    import asyncio

    from faststream_fastapi.redis import RedisBroker

    async def publish() -> None:
        async with RedisBroker("redis://127.0.0.1:6379") as broker:
            await broker.publish("m1", name)

    port = str(free_port())
    with run_cli(project, target, "--workers", workers, "--port", port) as proc:
        expected = int(workers)
        wait_until(lambda: len(records(project)) >= expected, project, proc)
        time.sleep(0.3)  # the subscription is live once startup is recorded; margin for CI
        asyncio.run(publish())  # pub/sub: every worker gets it
        wait_until(lambda: records(project).count("handling m1") == expected, project, proc)
        assert stop(proc, sig) == 0, output(project)
    lines = records(project)[expected:]
    assert lines.count("handled m1") == expected
    assert all(lines.index("handled m1") < lines.index(s) for s in lines if s.startswith("stop"))
    assert len([s for s in lines if s.startswith("stop")]) == expected


@pytest.mark.redis
def test_docs_gen_json_and_yaml(project: Path, name: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "faststream_fastapi", "docs", "gen", "main:app", "--out", "x.json"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=BOUND,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads((project / "x.json").read_text())
    assert document["asyncapi"] == "3.0.0"
    assert any(c["address"] == name for c in document["channels"].values())
    done = subprocess.run(
        [sys.executable, "-m", "faststream_fastapi", "docs", "gen", "main:app", "--yaml"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=BOUND,
    )
    assert done.returncode == 0, done.stderr
    assert "asyncapi: 3.0.0" in (project / "asyncapi.yaml").read_text()


# -- other servers run the same app ------------------------------------------------


@pytest.mark.redis
@pytest.mark.parametrize("how", ["command", "uvicorn.run"])
def test_uvicorn_runs_the_app(project: Path, how: str) -> None:
    port = free_port()
    command = ["-m", "uvicorn", "main:app", "--port", str(port)]
    if how == "uvicorn.run":
        command = ["-c", f"import uvicorn; uvicorn.run('main:app', port={port})"]
    with spawn(project, sys.executable, *command) as proc:
        with httpx.Client(timeout=5) as client:
            wait_until(health(client, f"http://127.0.0.1:{port}/health"), project, proc)
        # uvicorn (0.29 and later) re-raises SIGTERM after its graceful shutdown: the
        # process dies by the signal, once the lifespan has ended (docs/delivery.md).
        assert stop(proc) == -signal.SIGTERM, output(project)
    assert records(project)[-1] == f"stop {proc.pid}"


@pytest.mark.redis
@pytest.mark.parametrize(
    "worker", ["uvicorn_worker.UvicornWorker", "uvicorn.workers.UvicornWorker"]
)
def test_gunicorn_with_uvicorn_workers_runs_the_app(project: Path, worker: str) -> None:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-k", worker]
    command += ["main:app", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    if _gunicorn_has_control_socket():  # gunicorn 25+: no socket file in the project
        command += ["--no-control-socket"]
    with spawn(project, *command) as proc:
        wait_until(lambda: len(records(project)) >= 2, project, proc)
        with httpx.Client(timeout=5) as client:
            wait_until(health(client, f"http://127.0.0.1:{port}/health"), project, proc)
        assert stop(proc) == 0, output(project)
    assert len([r for r in records(project) if r.startswith("stop")]) == 2


@pytest.mark.redis
def test_hypercorn_runs_the_app(project: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "hypercorn", "main:app", "--bind", f"127.0.0.1:{port}"]
    with spawn(project, *command) as proc:
        with httpx.Client(timeout=5) as client:
            wait_until(health(client, f"http://127.0.0.1:{port}/health"), project, proc)
        assert stop(proc) == 0, output(project)
    start, end = records(project)
    assert start.split()[:2] == ["start", end.split()[1]] and end.startswith("stop")


@pytest.mark.redis
def test_granian_runs_the_app_with_two_workers(project: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "granian", "--interface", "asgi", "main:app"]
    command += ["--port", str(port), "--workers", "2"]
    with spawn(project, *command) as proc:
        wait_until(lambda: len(records(project)) >= 2, project, proc)
        with httpx.Client(timeout=5) as client:
            wait_until(health(client, f"http://127.0.0.1:{port}/health"), project, proc)
        assert stop(proc) == 0, output(project)
    assert len([r for r in records(project) if r.startswith("stop")]) == 2


@pytest.mark.redis
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_failed_startup_exits_non_zero(project: Path, workers: str) -> None:
    port = free_port()
    with run_cli(project, "main:broken", "--port", str(port), "--workers", workers) as proc:
        code = proc.wait(BOUND)
    assert code not in (0, None)
    assert "127.0.0.1:1" in output(project)


@pytest.mark.redis
def test_reload_restarts_on_a_change(project: Path) -> None:
    port = free_port()
    with run_cli(project, "main:app", "--reload", "--port", str(port)) as proc:
        wait_until(lambda: len(records(project)) >= 1, project, proc)
        with httpx.Client(timeout=5) as client:
            wait_until(health(client, f"http://127.0.0.1:{port}/health"), project, proc)
        (project / "main.py").write_text((project / "main.py").read_text() + "\n# changed\n")
        wait_until(lambda: len(records(project)) >= 3, project, proc)
        with httpx.Client(timeout=5) as client:
            wait_until(health(client, f"http://127.0.0.1:{port}/health"), project, proc)
        assert stop(proc) == 0, output(project)
    first, stopped, second, *rest = records(project)
    assert first.startswith("start") and second.startswith("start")
    assert stopped == f"stop {first.split()[1]}" and first.split()[1] != second.split()[1]
    assert rest == [f"stop {second.split()[1]}"]
    assert "Reloading: main.py" in output(project)


def test_extra_options_parsing() -> None:
    from faststream_fastapi.cli.options import parse_extra_options

    tokens = ["--env", "prod", "--debug", "--log-file=x.log", "--tag", "a", "--tag", "b"]
    assert parse_extra_options(tokens) == {
        "env": "prod",
        "debug": True,
        "log_file": "x.log",
        "tag": ["a", "b"],
    }
    for bad in (["prod"], ["--"], ["--1x", "y"]):
        with pytest.raises(ValueError):
            parse_extra_options(bad)


@pytest.mark.redis
def test_plain_app_with_two_workers(project: Path) -> None:
    with run_cli(project, "main:plain", "--workers", "2", "--env", "pw") as proc:
        wait_until(lambda: len(records(project)) >= 2, project, proc)
        assert stop(proc) == 0, output(project)
    starts = {int(r.split()[1]) for r in records(project) if r.startswith("start")}
    stops = {int(r.split()[1]) for r in records(project) if r.startswith("stop")}
    assert len(starts) == 2 and starts == stops and proc.pid not in starts
    assert all("('env', 'pw')" in r for r in records(project) if r.startswith("start"))


@pytest.mark.redis
def test_asgi_app_run_serves_until_sigterm(project: Path) -> None:
    port = free_port()
    script = "import asyncio, main; "
    script += f"asyncio.run(main.app.run(run_extra_options={{'port': {port}, 'env': 'direct'}}))"
    with spawn(project, sys.executable, "-c", script) as proc:
        with httpx.Client(timeout=5) as client:
            wait_until(health(client, f"http://127.0.0.1:{port}/health"), project, proc)
        assert stop(proc) == 0, output(project)
    assert records(project) == [f"start {proc.pid} [('env', 'direct')]", f"stop {proc.pid}"]


@pytest.mark.redis
def test_docs_serve(project: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "faststream_fastapi", "docs", "serve", "main:app"]
    with spawn(project, *command, "--port", str(port)) as proc:
        with httpx.Client(timeout=5) as client:

            def ready() -> bool:
                try:
                    return client.get(f"http://127.0.0.1:{port}/asyncapi.json").is_success
                except httpx.TransportError:
                    return False

            wait_until(ready, project, proc)
            page = client.get(f"http://127.0.0.1:{port}/")
            assert 'data-schema-url="asyncapi.json"' in page.text
        assert stop(proc) == 0, output(project)


def test_docs_serve_a_saved_document(project: Path) -> None:
    out = project / "asyncapi.yaml"
    gen = [sys.executable, "-m", "faststream_fastapi", "docs", "gen", "main:app", "--yaml"]
    subprocess.run([*gen, "--out", str(out)], cwd=project, check=True, timeout=60)
    saved = yaml.safe_load(out.read_text())
    port = free_port()
    command = [sys.executable, "-m", "faststream_fastapi", "docs", "serve", str(out)]
    with spawn(project, *command, "--port", str(port)) as proc:
        with httpx.Client(timeout=5) as client:

            def ready() -> bool:
                try:
                    return client.get(f"http://127.0.0.1:{port}/asyncapi.json").is_success
                except httpx.TransportError:
                    return False

            wait_until(ready, project, proc)
            assert client.get(f"http://127.0.0.1:{port}/asyncapi.json").json() == saved
        assert stop(proc) == 0, output(project)


def _gunicorn_has_control_socket() -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS)


# -- the event loop (--loop) ---------------------------------------------------------


LOOP_VARIABLES = ("FASTSTREAM_FASTAPI_LOOP", "FASTSTREAM_LOOP")


def loops(cwd: Path) -> list[str]:
    """The event loop of each process that started the app: "uvloop" or "asyncio"."""
    path = cwd / "loops.txt"
    return path.read_text().splitlines() if path.exists() else []


def listen(target: str) -> list[str]:
    """A free port for an ASGI app to serve on; nothing for a plain app."""
    return ["--port", str(free_port())] if target == "main:app" else []


def env_without_loop(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LOOP_VARIABLES}
    return {**env, **extra}


def without_uvloop(project: Path) -> dict[str, str]:
    """An environment in which ``import uvloop`` fails, as when it is not installed."""
    stub = project / "no-uvloop" / "uvloop"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("raise ImportError('uvloop is not installed (stub)')\n")
    path = os.pathsep.join(p for p in (str(stub.parent), os.environ.get("PYTHONPATH")) if p)
    return env_without_loop(PYTHONPATH=path)


@pytest.mark.redis
@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["main:app"], {}, ["uvloop"]),
        (["main:plain"], {}, ["uvloop"]),
        (["main:app", "--loop", "asyncio"], {}, ["asyncio"]),
        (["main:plain", "--loop", "asyncio"], {}, ["asyncio"]),
        (["main:app"], {"FASTSTREAM_FASTAPI_LOOP": "asyncio"}, ["asyncio"]),
        (["main:app", "--loop", "uvloop"], {"FASTSTREAM_LOOP": "asyncio"}, ["uvloop"]),
        (["main:app", "--reload", "--loop", "asyncio"], {}, ["asyncio"]),
        (["main:plain", "--workers", "2"], {}, ["uvloop", "uvloop"]),
        (["main:plain", "--workers", "2", "--loop", "asyncio"], {}, ["asyncio", "asyncio"]),
        (["main:app", "--workers", "2"], {}, ["uvloop", "uvloop"]),
        (["main:app", "--workers", "2", "--loop", "asyncio"], {}, ["asyncio", "asyncio"]),
    ],
    ids=lambda value: (
        " ".join(value)
        if isinstance(value, list)
        else ",".join(f"{k}={v}" for k, v in value.items()) or "-"
    ),
)
def test_run_starts_the_app_on_the_chosen_loop(
    project: Path, args: list[str], env: dict[str, str], expected: list[str]
) -> None:
    """Each process records the class of the loop its startup hook ran on."""
    with run_cli(project, *args, *listen(args[0]), env=env_without_loop(**env)) as proc:
        wait_until(lambda: len(loops(project)) >= len(expected), project, proc)
        assert stop(proc) == 0, output(project)
    assert loops(project) == expected


@pytest.mark.redis
@pytest.mark.parametrize("target", ["main:app", "main:plain"])
def test_without_uvloop_auto_runs_on_asyncio(project: Path, target: str) -> None:
    with run_cli(project, target, *listen(target), env=without_uvloop(project)) as proc:
        wait_until(lambda: len(loops(project)) >= 1, project, proc)
        assert stop(proc) == 0, output(project)
    assert loops(project) == ["asyncio"]


@pytest.mark.parametrize(
    "args",
    [
        ["main:app"],
        ["main:app", "--workers", "2"],
        ["main:plain", "--workers", "2"],
        ["main:app", "--reload"],
    ],
    ids=" ".join,
)
def test_loop_uvloop_without_uvloop_is_a_usage_error(project: Path, args: list[str]) -> None:
    """Refused before the app is loaded or any worker starts: one line, exit status 2."""
    done = subprocess.run(
        [sys.executable, "-m", "faststream_fastapi", "run", *args, "--loop", "uvloop"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=BOUND,
        env=without_uvloop(project),
    )
    assert done.returncode == 2, done
    assert done.stderr.startswith("Error: --loop uvloop: uvloop is not installed")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert loops(project) == [] and not (project / "record.txt").exists()

"""The installed console scripts, as a user types them: names, options, errors, environment.

Every test runs the real ``faststream_fastapi`` / ``faststream-fastapi`` script
(installed next to the interpreter) in a subprocess; none needs a broker.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from support import spawn

BOUND = 30.0
BIN = Path(sys.executable).parent

APP = """
from pydantic import BaseModel

from faststream_fastapi.asgi import AsgiFastStream
from faststream_fastapi.redis import RedisBroker

broker = RedisBroker("redis://127.0.0.1:6379")  # never connected here


def make_handler(n):
    async def handler(body: str) -> None: ...

    handler.__name__ = f"handle_{n}"
    return handler


for n in range(200):  # a document larger than a pipe's buffer
    broker.subscriber(f"channel-{n}", description="x" * 200)(make_handler(n))

docs_app = AsgiFastStream(broker)


class Order(BaseModel):
    id: int


def nothing():
    return None
"""


@pytest.fixture
def project(bare_app: Path) -> Path:
    """``main.py`` (a broker, non-apps) next to ``bare.py`` (``bare:app``)."""
    (bare_app / "main.py").write_text(APP)
    return bare_app


def script(name: str = "faststream_fastapi") -> str:
    path = BIN / name
    assert path.exists(), f"{path} missing: reinstall the project (pip install -e '.[all]')"
    return str(path)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FASTSTREAM_")}
    return {**env, **extra}


def cli(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [script(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=BOUND,
        env=env or clean_env(),
    )


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: ") and "Traceback" not in done.stderr
    return lines[0]


def test_both_script_names_print_the_version(project: Path) -> None:
    from faststream_fastapi import __version__

    for name in ("faststream_fastapi", "faststream-fastapi"):
        done = subprocess.run([script(name), "--version"], capture_output=True, text=True)
        assert done.returncode == 0
        assert done.stdout.strip() == f"faststream-fastapi {__version__}"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["run", "main:Order"], "'main:Order' is the class Order, not a FastStream app"),
        (["run", "main:nothing"], "'main:nothing' is a function, not a FastStream app"),
        (["run", "main:broker"], "'main:broker' is a RedisBroker, not a FastStream app"),
        (["docs", "gen", "main:Order"], "'main:Order' is the class Order, with no broker"),
        (["docs", "gen", "main:docs_app", "--version", "4.0"], "invalid choice: '4.0'"),
        (["docs", "serve", "missing.yaml"], "no document file 'missing.yaml'"),
        (["run"], "the following arguments are required: app"),
        (["run", "bare:app", "--workers", "two"], "argument --workers: invalid int value"),
        (["run", "bare:app", "--workers", "0"], "--workers must be at least 1"),
        (["run", "bare:app", "--bind", "a:b"], "not a port number in 'a:b'"),
        (["run", "--bind", "1.2.3.4:5", "6.7.8.9:10", "bare:app"], "unexpected argument"),
        (["run", "bare:app", "--log-level", "loud"], "unknown log level 'loud'"),
        (["run", "bare:app", "--loop", "trio"], "argument --loop: invalid choice: 'trio'"),
        (["docs", "gen", "main:docs_app", "--unknown"], "unrecognized arguments: --unknown"),
        (["nothing"], "invalid choice: 'nothing'"),
    ],
)
def test_each_mistake_is_one_line_and_exit_2(project: Path, args: list[str], says: str) -> None:
    assert says in one_error_line(cli(project, *args))


def test_a_reader_that_stops_early_ends_docs_gen_quietly(project: Path) -> None:
    """``docs gen --out - | head -1``: no BrokenPipeError, no traceback."""
    with subprocess.Popen(
        [script(), "docs", "gen", "main:docs_app", "--out", "-"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env(),
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline().strip() == b"{"
        proc.stdout.close()  # what head does after its line
        assert proc.wait(BOUND) == 1
        assert proc.stderr.read() == b""


def test_docs_gen_to_stdout_in_a_shell_pipe(project: Path) -> None:
    command = f"'{script()}' docs gen main:docs_app --yaml --out - | head -n 1"
    done = subprocess.run(
        ["bash", "-c", command], cwd=project, capture_output=True, text=True, env=clean_env()
    )
    assert done.stdout == "asyncapi: 3.0.0\n"
    assert done.stderr == ""


def test_the_app_dir_comes_from_the_environment_ours_first(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    gen = ["docs", "gen", "main:docs_app", "--out", "doc.json"]
    assert cli(elsewhere, *gen, env=clean_env(FASTSTREAM_APP_DIR=str(project))).returncode == 0
    both = clean_env(FASTSTREAM_APP_DIR="/nonexistent", FASTSTREAM_FASTAPI_APP_DIR=str(project))
    assert cli(elsewhere, *gen, env=both).returncode == 0
    line = one_error_line(cli(elsewhere, *gen, env=clean_env(FASTSTREAM_APP_DIR="/nonexistent")))
    assert "/nonexistent" in line
    flag = ["--app-dir", str(project)]  # the command line wins over the environment
    assert (
        cli(elsewhere, *gen, *flag, env=both | {"FASTSTREAM_FASTAPI_APP_DIR": "/x"}).returncode == 0
    )


@pytest.mark.parametrize("prefix", ["FASTSTREAM_", "FASTSTREAM_FASTAPI_"])
def test_workers_log_level_and_loop_come_from_the_environment(project: Path, prefix: str) -> None:
    workers = cli(project, "run", "bare:app", env=clean_env(**{f"{prefix}WORKERS": "0"}))
    assert "--workers must be at least 1, not 0" in one_error_line(workers)
    level = cli(project, "run", "bare:app", env=clean_env(**{f"{prefix}LOG_LEVEL": "loud"}))
    assert "unknown log level 'loud'" in one_error_line(level)
    loop = cli(project, "run", "bare:app", env=clean_env(**{f"{prefix}LOOP": "trio"}))
    assert "argument --loop: invalid choice: 'trio'" in one_error_line(loop)


def test_our_variables_win_and_the_command_line_wins_over_both(project: Path) -> None:
    env = clean_env(FASTSTREAM_WORKERS="0", FASTSTREAM_FASTAPI_WORKERS="-1")
    assert "not -1" in one_error_line(cli(project, "run", "bare:app", env=env))
    env = clean_env(FASTSTREAM_LOG_LEVEL="loud", FASTSTREAM_FASTAPI_LOG_LEVEL="debug")
    # the level is valid, so the error is about the target
    assert "is the class Order" in one_error_line(cli(project, "run", "main:Order", env=env))
    env = clean_env(FASTSTREAM_WORKERS="0")
    assert "is the class Order" in one_error_line(
        cli(project, "run", "main:Order", "--workers", "1", env=env)
    )


@pytest.mark.parametrize(
    "command", [[], ["run"], ["docs"], ["docs", "gen"], ["docs", "serve"]], ids=" ".join
)
def test_help_is_plain_text(project: Path, command: list[str]) -> None:
    done = cli(project, *command, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: faststream-fastapi")
    for markup in ("``", ":class:", ":func:", ":meth:", ".. ", "**"):
        assert markup not in done.stdout, markup


def test_every_option_has_help() -> None:
    from faststream_fastapi.cli.parser import parser

    def walk(parser: object, path: str) -> list[str]:
        missing = []
        for action in parser._actions:  # type: ignore[attr-defined]
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:  # the commands' one-line help
                    if not choice.help:
                        missing.append(f"{path} {choice.dest}")
                for name, sub in action.choices.items():
                    missing += walk(sub, f"{path} {name}")
            elif action.help is None:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
        return missing

    assert walk(parser(), "faststream-fastapi") == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], bool], cwd: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + BOUND
    while not check():
        log = (cwd / "output.log").read_text(errors="replace")
        assert proc.poll() is None, f"exited with {proc.returncode}:\n{log}"
        assert time.monotonic() < deadline, f"not ready in {BOUND} s:\n{log}"
        time.sleep(0.05)


def answers(client: httpx.Client, url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return client.get(url).status_code == 200
        except httpx.TransportError:
            return False

    return check


def test_bind_before_the_app_and_repeated(project: Path) -> None:
    """``run --bind unix:app.sock --bind 127.0.0.1:PORT bare:app``: both answer."""
    sock = project / "app.sock"
    port = free_port()
    args = ["run", "--bind", f"unix:{sock}", "--bind", f"127.0.0.1:{port}", "bare:app"]
    with spawn(project, script(), *args, env=clean_env()) as proc:
        with httpx.Client(timeout=5) as tcp:
            wait_until(answers(tcp, f"http://127.0.0.1:{port}/"), project, proc)
        with httpx.Client(transport=httpx.HTTPTransport(uds=str(sock)), timeout=5) as uds:
            assert uds.get("http://localhost/").text == "ok"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(BOUND) == 0
    assert not sock.exists()


def test_docs_serve_reloads_when_the_document_changes(project: Path) -> None:
    document = project / "asyncapi.yaml"
    gen = cli(project, "docs", "gen", "main:docs_app", "--yaml", "--out", str(document))
    assert gen.returncode == 0, gen.stderr
    port = free_port()
    url = f"http://127.0.0.1:{port}/asyncapi.json"
    args = ["docs", "serve", str(document), "--port", str(port), "--reload"]
    with spawn(project, script(), *args, env=clean_env()) as proc:
        with httpx.Client(timeout=5) as client:
            wait_until(answers(client, url), project, proc)
            assert client.get(url).json()["info"]["title"] != "Renamed"
            text = document.read_text().replace("title:", "title: Renamed\n  x-old-title:", 1)
            document.write_text(text)

            def renamed() -> bool:
                try:
                    return bool(client.get(url).json()["info"]["title"] == "Renamed")
                except (httpx.TransportError, ValueError):
                    return False

            wait_until(renamed, project, proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(BOUND) == 0
    assert "Reloading: asyncapi.yaml" in (project / "output.log").read_text()

"""``--reload`` with watchfiles: what is watched, and what a change restarts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from faststream_fastapi.cli.reload import SourceFilter, watched_dirs
from support import spawn

BOUND = 30.0

SKIPPED = [".git/objects", ".venv/lib/site", ".nox/tests", "node_modules/x", "pkg/__pycache__"]
SKIPPED += [".brokers/redis", "env/lib", "dist/x", "thing.egg-info/y"]


@pytest.fixture
def tree(bare_app: Path) -> Path:
    tmp_path = bare_app
    for directory in [*SKIPPED, "pkg/sub"]:
        (tmp_path / directory).mkdir(parents=True)
        (tmp_path / directory / "mod.py").write_text("")
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")  # a venv by any name
    return tmp_path


def test_skipped_directories_are_not_entered(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entered: list[str] = []
    real_walk = os.walk

    def walk(top: str | os.PathLike[str]) -> object:
        for current, dirs, files in real_walk(top):
            entered.append(os.path.relpath(current, tree))
            yield current, dirs, files

    monkeypatch.setattr(os, "walk", walk)
    dirs = watched_dirs(tree)
    assert sorted(str(d.relative_to(tree)) for d in dirs) == [".", "pkg", "pkg/sub"]
    assert sorted(entered) == [".", "pkg", "pkg/sub"]


def test_the_filter_keeps_sources_and_directory_changes(tree: Path) -> None:
    document = tree / "doc.yaml"
    sources = SourceFilter(watched_dirs(tree), [document])
    assert sources(None, str(tree / "pkg" / "a.py"))
    assert sources(None, str(document))
    assert not sources(None, str(tree / "notes.txt"))
    (tree / "newpkg").mkdir()
    assert sources(None, str(tree / "newpkg"))
    assert not sources(None, str(tree / ".venv"))


def starts(directory: Path) -> list[str]:
    path = directory / "starts.txt"
    return path.read_text().split() if path.exists() else []


def wait_for(count: int, tree: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + BOUND
    while len(starts(tree)) < count:
        log = (tree / "output.log").read_text(errors="replace")
        assert proc.poll() is None, log
        assert time.monotonic() < deadline, f"{count} starts expected:\n{log}"
        time.sleep(0.05)


def test_run_reload_restarts_for_sources_only(tree: Path) -> None:
    command = [sys.executable, "-m", "faststream_fastapi", "run", "bare:app", "--reload"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FASTSTREAM_")}
    with spawn(tree, *command, "--port", "0", env=env) as proc:
        wait_for(1, tree, proc)
        time.sleep(0.5)  # the watcher is set up once the child runs; margin for a busy CI
        # Ignored: a venv, VCS, caches, a non-source file.
        for ignored in (".venv/lib/site/mod.py", ".git/objects/mod.py", "env/lib/mod.py"):
            (tree / ignored).write_text("# changed\n")
        (tree / "notes.txt").write_text("not a source")
        time.sleep(1.5)
        assert len(starts(tree)) == 1, (tree / "output.log").read_text()
        # A source in a subpackage restarts the app.
        (tree / "pkg" / "sub" / "mod.py").write_text("# changed\n")
        wait_for(2, tree, proc)
        # So does a source in a directory created after the start.
        (tree / "later").mkdir()
        time.sleep(0.5)
        (tree / "later" / "new.py").write_text("")
        wait_for(3, tree, proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(BOUND) == 0
    log = (tree / "output.log").read_text()
    assert "Reloading: pkg/sub/mod.py" in log and "Reloading: later/new.py" in log
    assert ".venv" not in log.split("Reloading", 1)[1]

"""``--reload``: restart the child process when a source file changes, watched with watchfiles.

The directories are listed once, skipping virtual environments, version
control, caches and build trees *before* descending into them, and each is
watched on its own (not recursively): the operating system reports the
changes, nothing is walked or polled while the files stay as they are. A
directory created later is picked up when it appears.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .parser import UsageError
from .processes import child_command, restore, stop, trap_signals

#: Directories never watched nor descended into (hidden ones neither).
IGNORED_DIRS = frozenset(
    {"__pycache__", "node_modules", "venv", "site-packages", "build", "dist", "htmlcov"}
)


def skipped(directory: Path) -> bool:
    """A directory ``--reload`` leaves out, with everything below it."""
    name = directory.name
    return (
        name.startswith(".")  # .git, .venv, .nox, .tox, .brokers, .mypy_cache, ...
        or name in IGNORED_DIRS
        or name.endswith(".egg-info")
        or (directory / "pyvenv.cfg").exists()  # a virtual environment by any name
    )


def watched_dirs(root: Path) -> list[Path]:
    """``root`` and the directories below it that are not ``skipped``, never entering those."""
    found: list[Path] = []
    for current, dirs, _files in os.walk(root):
        here = Path(current)
        dirs[:] = sorted(d for d in dirs if not skipped(here / d))
        found.append(here)
    return found


class SourceFilter:
    """The changes that matter: ``.py`` files, the extra files, directories coming and going."""

    def __init__(self, dirs: Iterable[Path], extra_files: Iterable[Path]) -> None:
        self.dirs = {str(d) for d in dirs}
        self.extra = {str(f) for f in extra_files}

    def is_source(self, path: str) -> bool:
        return path.endswith(".py") or path in self.extra

    def is_directory_change(self, path: str) -> bool:
        return path in self.dirs or (os.path.isdir(path) and not skipped(Path(path)))

    def __call__(self, change: Any, path: str) -> bool:
        return self.is_source(path) or self.is_directory_change(path)


def _watch_paths(dirs: Sequence[Path], extra_files: Sequence[Path]) -> list[Path]:
    paths = list(dirs)
    paths += sorted({f.parent for f in extra_files} - set(dirs))
    return paths


def _relative(path: str, root: Path) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return path


def run_with_reload(
    args: Sequence[str], directory: str, *, extra_files: Sequence[Path] = ()
) -> int:
    """Run the command ``args`` and restart it whenever a source under ``directory`` changes."""
    try:
        import watchfiles
    except ImportError:
        raise UsageError(
            "--reload needs watchfiles, which the cli extra installs"
            " (in this project's clone: pip install -e '.[cli]')"
        ) from None
    root = Path(directory).resolve()
    stopping, saved = trap_signals()
    proc: subprocess.Popen[bytes] | None = None
    try:
        proc = subprocess.Popen(child_command(args))
        print(f"Watching {root} for changes", file=sys.stderr)
        while not stopping.requested:
            dirs = watched_dirs(root)
            sources = SourceFilter(dirs, extra_files)
            changes_seen = watchfiles.watch(
                *_watch_paths(dirs, extra_files),
                watch_filter=sources,
                stop_event=stopping.event,
                recursive=False,
                raise_interrupt=False,
            )
            for changes in changes_seen:
                paths = sorted({path for _change, path in changes})
                changed = [_relative(p, root) for p in paths if sources.is_source(p)]
                if changed:
                    print(f"Reloading: {', '.join(changed)}", file=sys.stderr)
                    stop([proc])
                    proc = subprocess.Popen(child_command(args))
                if any(sources.is_directory_change(p) for p in paths):
                    break  # list the directories again
        stop([proc])
        return 0
    finally:
        if proc is not None:
            stop([proc], timeout=1.0)
        restore(saved)

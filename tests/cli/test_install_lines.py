"""Every install instruction installs this project from a clone or a path, never by name.

An unrelated PyPI project is called ``faststream-fastapi`` (pip reads
``faststream_fastapi`` as the same name), so ``pip install faststream-fastapi[cli]``
in a page or an error message would install *that* project.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SEARCHED = ("README.md", "docs", "examples", "faststream_fastapi")
SUFFIXES = {".md", ".py", ".yaml", ".yml", ".toml", ".txt", ".sh", ".cfg"}

#: An installer's install command and the words after it, up to the end of the code span.
COMMAND = re.compile(
    r"\b(?:pip3?|uv(?:\s+pip)?|pipx|poetry|pdm)\s+(?:install|add)\b(?P<args>[^`\n;|&#)]*)"
)
#: This project by name: either spelling, any case, optional extras and version.
BY_NAME = re.compile(r"^faststream[-_.]fastapi(\[[^\]]*\])?([<>=!~].*)?$", re.I)
#: Options whose value is a path or a file, not a requirement.
TAKES_VALUE = {"-e", "--editable", "-r", "--requirement", "-c", "--constraint", "-t", "--target"}


def bare_index_installs(text: str) -> list[str]:
    """The install commands in ``text`` that name this project without a path or URL."""
    found = []
    for match in COMMAND.finditer(text):
        try:
            words = shlex.split(match["args"])
        except ValueError:  # an unbalanced quote: the line goes on past the match
            words = match["args"].replace('"', " ").replace("'", " ").split()
        skip = False
        for i, word in enumerate(words):
            if skip:
                skip = False
                continue
            if word.startswith("-"):
                skip = word in TAKES_VALUE
                continue
            direct = "@" in word or (i + 1 < len(words) and words[i + 1] == "@")
            if BY_NAME.match(word) and not direct:
                found.append(match.group(0).strip())
    return found


def files() -> list[Path]:
    found = []
    for name in SEARCHED:
        path = ROOT / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        found += [p for p in candidates if p.is_file() and p.suffix in SUFFIXES]
    return found


def test_the_check_finds_index_installs_and_lets_clone_installs_pass() -> None:
    wrong = [
        'pip install "faststream-fastapi[prometheus,otel]"',
        "pip install 'faststream_fastapi[cli]'",
        "python -m pip install -U faststream_fastapi",
        "uv add faststream-fastapi>=0.1",
        "pip install fastapi faststream_fastapi",
        "`pip install\n    faststream_fastapi` from PyPI",
    ]
    right = [
        'pip install -e ".[cli]"',
        "pip install -q nox",
        'pip install "faststream_fastapi[cli] @ file:///path/to/clone"',
        "pip install faststream_fastapi@git+file:///srv/clone",
        "pip install -e faststream_fastapi",  # a directory of that name
        "pip install ./faststream_fastapi",
    ]
    assert [w for w in wrong if not bare_index_installs(w.replace("\n   ", ""))] == []
    assert [r for r in right if bare_index_installs(r)] == []


@pytest.mark.parametrize("path", files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_install_by_name_from_an_index(path: Path) -> None:
    # Whitespace is joined so that a command broken over two lines of prose is one.
    text = re.sub(r"\s*\n\s*", " ", path.read_text(errors="replace"))
    assert bare_index_installs(text) == []


def test_the_pages_say_how_to_install_from_a_clone() -> None:
    for page in ("README.md", "docs/index.md", "docs/getting-started.md"):
        assert 'pip install -e ".[' in (ROOT / page).read_text(), page

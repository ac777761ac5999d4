"""The package stays in small pieces: no module over 400 lines, no class over 250.

A module or class past these sizes holds more than one idea; split it by what
it holds (see ``docs/architecture.md``) rather than raise the limits.
"""

from __future__ import annotations

import ast
from pathlib import Path

import faststream_fastapi

ROOT = Path(faststream_fastapi.__file__).parent
MODULE_LINES, CLASS_LINES = 400, 250


def _sources() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def test_no_module_over_the_limit() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in _sources()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES
    }
    assert long == {}


def test_no_class_over_the_limit() -> None:
    long = {}
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                size = node.end_lineno - node.lineno + 1
                if size > CLASS_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.name}"] = size
    assert long == {}


def test_the_walk_sees_the_package() -> None:
    names = {path.name for path in _sources()}
    assert {"subscriber.py", "pipeline.py", "sender.py"} <= names
    assert len(names) > 50

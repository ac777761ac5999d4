"""Every code block of the guide (docs/*.md) is either included from a tested file or tested here.

- A ``python`` block made only of ``--8<--`` include lines is checked for what it includes:
  the file exists, the named section exists, and the result compiles. (The included files
  are run by the example tests: tests/docs/test_docs_examples.py, the seed tests.)
- Any other ``python`` block is compiled; one that uses no name it does not define (a
  self-contained program) is also executed in a fresh interpreter, and must need no broker.
- ``yaml`` blocks must parse; ``shell`` blocks that name an example app (``examples.x:app``
  or ``examples/x.py:app``) must name one that imports and has that attribute.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs"
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.M | re.S
)
INCLUDE = re.compile(r'^\s*--8<-- "(?P<path>[^":]+)(?::(?P<section>[\w-]+))?"\s*$')
APP_REF = re.compile(r"\b(?P<module>examples[\w./]*?)(?P<py>\.py)?:(?P<attr>[A-Za-z_]\w*)\b")


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    lang: str
    body: str

    def __str__(self) -> str:
        return f"{self.page}:{self.line}"


def blocks() -> list[Block]:
    found = []
    for page in sorted(DOCS.glob("**/*.md")):
        text = page.read_text()
        for match in FENCE.finditer(text):
            indent = match["indent"]
            body = "\n".join(
                line[len(indent) :] if line.startswith(indent) else line
                for line in match["body"].splitlines()
            )
            line = text.count("\n", 0, match.start()) + 1
            found.append(Block(page.relative_to(DOCS).as_posix(), line, match["lang"], body))
    return found


ALL = blocks()
PYTHON = [b for b in ALL if b.lang == "python"]


def is_include(block: Block) -> bool:
    lines = [line for line in block.body.splitlines() if line.strip()]
    return bool(lines) and all(INCLUDE.match(line) for line in lines)


def section(path: Path, name: str | None) -> str:
    text = path.read_text()
    if name is None:
        return text
    start, end = f"--8<-- [start:{name}]", f"--8<-- [end:{name}]"
    assert start in text and end in text, f"{path} has no section {name!r}"
    inner = text.split(start, 1)[1].split(end, 1)[0]
    return "\n".join(inner.splitlines()[1:-1])


def resolve(block: Block) -> str:
    parts = []
    for line in block.body.splitlines():
        match = INCLUDE.match(line)
        if match is None:
            parts.append(line)
            continue
        path = ROOT / match["path"]
        assert path.is_file(), f"{block} includes {match['path']}, which does not exist"
        parts.append(section(path, match["section"]))
    return "\n".join(parts)


def test_the_guide_has_code_to_check() -> None:
    # Guards the block parser: the guide has dozens of python blocks, nearly all included.
    assert len(PYTHON) > 60
    assert sum(is_include(b) for b in PYTHON) > 60


@pytest.mark.parametrize("block", [b for b in PYTHON if is_include(b)], ids=str)
def test_included_code_exists_and_compiles(block: Block) -> None:
    code = resolve(block)
    # Sections are excerpts: they compile once dedented; whole files compile as they are.
    compile(code, str(block), "exec")


INLINE = [b for b in PYTHON if not is_include(b)]


def free_names(code: str) -> set[str]:
    """Names a block reads but neither defines, imports nor gets from builtins."""
    tree = ast.parse(code)
    defined: set[str] = set(dir(builtins))
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else defined).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
        elif isinstance(node, ast.alias):
            defined.add((node.asname or node.name).split(".")[0])
    return used - defined


@pytest.mark.parametrize("block", INLINE or [None], ids=str)
def test_inline_python_compiles_and_self_contained_blocks_run(block: Block | None) -> None:
    """Every inline block compiles; one that uses no name it does not define also runs."""
    if block is None:  # no inline block at all: every python block is an include
        assert all(is_include(b) for b in PYTHON)
        return
    compile(block.body, str(block), "exec")
    if free_names(block.body):
        return  # an excerpt of a larger program: compiling is what can be checked
    result = subprocess.run(
        [sys.executable, "-c", block.body],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"{block} failed:\n{result.stderr}"


def test_free_names_tells_excerpts_from_programs() -> None:
    assert free_names("broker = RedisBroker(url)") == {"RedisBroker", "url"}
    assert free_names("import json\ndef f(x):\n    return json.dumps(x)\nprint(f(1))") == set()


@pytest.mark.parametrize("block", [b for b in ALL if b.lang == "yaml"], ids=str)
def test_yaml_blocks_parse(block: Block) -> None:
    assert yaml.safe_load(resolve(block)) is not None


def app_refs() -> list[tuple[str, str, str]]:
    refs = set()
    for block in ALL:
        if block.lang != "shell":
            continue
        for match in APP_REF.finditer(block.body):
            module = match["module"].replace("/", ".")
            refs.add((str(block), module, match["attr"]))
    return sorted(refs)


@pytest.mark.parametrize(("where", "module", "attr"), app_refs())
def test_commands_name_apps_that_exist(where: str, module: str, attr: str) -> None:
    sys.path.insert(0, str(ROOT))
    try:
        loaded = importlib.import_module(module)
    finally:
        sys.path.remove(str(ROOT))
    assert hasattr(loaded, attr), f"{where}: {module} has no {attr}"

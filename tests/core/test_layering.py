"""The package's imports point down only: no cycles, no lower layer importing an upper one.

Every import counts, ``if TYPE_CHECKING:`` blocks and imports inside functions too:
a type-only cycle is still two modules that cannot be understood apart.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import faststream_fastapi

PACKAGE = "faststream_fastapi"
ROOT = Path(faststream_fastapi.__file__).parent

#: Folders with one broker each (``_kafka`` is what ``kafka`` and ``confluent`` share).
BROKERS = {"kafka", "confluent", "_kafka", "rabbit", "nats", "redis"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = [PACKAGE, *path.relative_to(ROOT).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imported(name: str, source: str, *, is_package: bool = False) -> Iterator[str]:
    """The package's modules that module ``name`` imports, anywhere in its ``source``."""
    package = name.split(".") if is_package else name.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], *filter(None, [base])])
            # ``from . import x`` imports the module ``x`` when there is one.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:  # ``import a.b.c`` of a name in ``a.b``
                target = target.rpartition(".")[0]
            if target.startswith(PACKAGE) and target != name:
                yield target


GRAPH = {
    name: set(
        _imported(name, path.read_text(encoding="utf-8"), is_package=path.name == "__init__.py")
    )
    for name, path in MODULES.items()
}


def _layer(module: str) -> str:
    """``core``, ``app``, a broker folder's name, ...: the part after the package."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_is_read() -> None:
    assert "faststream_fastapi.core.subscriber" in GRAPH["faststream_fastapi.core.registry"]
    source = """
from typing import TYPE_CHECKING
from . import subscriber
from .message import StreamMessage
if TYPE_CHECKING:
    from ..nats.broker import NatsBroker
def later():
    import faststream_fastapi.redis.specs
"""
    assert set(_imported("faststream_fastapi.core.x", source)) == {
        "faststream_fastapi.core.subscriber",
        "faststream_fastapi.core.message",
        "faststream_fastapi.nats.broker",
        "faststream_fastapi.redis.specs",
    }
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    assert _cycles(GRAPH) == []


def test_core_imports_only_core() -> None:
    wrong = {
        (name, target)
        for name, targets in GRAPH.items()
        if _layer(name) == "core"
        for target in targets
        if _layer(target) != "core"
    }
    assert wrong == set()


def test_broker_folders_import_no_upper_layer_and_no_other_broker() -> None:
    upper = {"app", "asgi", "cli", "testing_app", "__main__", ""}
    wrong = set()
    for name, targets in GRAPH.items():
        folder = _layer(name)
        if folder not in BROKERS:
            continue
        for target in targets:
            layer = _layer(target)
            # ``<b>/fastapi.py`` is the broker's ``fastapi.APIRouter``: the one way up.
            allowed_fastapi = name == f"{PACKAGE}.{folder}.fastapi" and layer == "fastapi"
            shared = folder in {"kafka", "confluent"} and layer == "_kafka"
            other_broker = layer in BROKERS and layer != folder and not shared
            if layer in upper or other_broker or (layer == "fastapi" and not allowed_fastapi):
                wrong.add((name, target))
    assert wrong == set()


def test_middle_layers_do_not_import_the_top() -> None:
    """``fastapi``, ``asyncapi``, ``security`` and the observability packages sit below
    the application, its ASGI wrapper and the CLI."""
    top = {"app", "asgi", "cli", "testing_app", "__main__", ""}
    middle = {"fastapi", "asyncapi", "security", "observability", "prometheus", "opentelemetry"}
    wrong = {
        (name, target)
        for name, targets in GRAPH.items()
        if _layer(name) in middle
        for target in targets
        if _layer(target) in top
    }
    assert wrong == set()


def test_the_broker_sits_above_the_rest_of_core() -> None:
    """Subscribers, publishers, middlewares and options know the broker only through
    the Protocols of ``core/ports.py`` and ``core/middleware.py``."""
    broker = {f"{PACKAGE}.core.{m}" for m in ("registry", "sending", "lifecycle", "broker")}
    above = broker | {f"{PACKAGE}.core", f"{PACKAGE}.core.testing"}
    wrong = {
        (name, target)
        for name, targets in GRAPH.items()
        if _layer(name) == "core" and name not in above
        for target in targets & broker
    }
    assert wrong == set()

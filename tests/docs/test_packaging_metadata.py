"""What an index page and an installer read from ``pyproject.toml``, and the user guide's
observability page speaking to users only (issue #18, "Docs and packaging")."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).parents[2]


def project() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return data


def test_classifiers_name_pythons_fastapi_typing_and_license() -> None:
    meta = project()["project"]
    classifiers = set(meta["classifiers"])
    assert {"Framework :: FastAPI", "Typing :: Typed"} <= classifiers
    assert any(c.startswith("License :: ") for c in classifiers)
    floor = re.fullmatch(r">=3\.(\d+)", meta["requires-python"])
    assert floor is not None
    assert f"Programming Language :: Python :: 3.{floor.group(1)}" in classifiers
    assert meta["authors"] and meta["license"]


def test_otel_extra_is_the_api_only_and_tools_are_not_user_extras() -> None:
    data = project()
    extras = data["project"]["optional-dependencies"]
    assert [d.split(">")[0] for d in extras["otel"]] == ["opentelemetry-api"]
    assert not {"test", "dev", "docs"} & set(extras)
    assert {"test", "dev"} <= set(data["dependency-groups"])


def test_the_observability_guide_speaks_to_users_only() -> None:
    page = (ROOT / "docs" / "observability.md").read_text()
    for phrase in ("the target of the issue", "before:", "issue #"):
        assert phrase not in page.lower()

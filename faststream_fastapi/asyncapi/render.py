"""The AsyncAPI document as JSON and YAML text."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import yaml


def to_json(document: Mapping[str, Any], *, indent: int | None = None) -> str:
    return json.dumps(document, ensure_ascii=False, indent=indent)


def to_yaml(document: Mapping[str, Any]) -> str:
    # Plain dicts and lists only: the safe dumper refuses their subclasses.
    plain = json.loads(to_json(document))
    return yaml.safe_dump(plain, sort_keys=False, allow_unicode=True)

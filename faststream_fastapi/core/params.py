"""``Path`` as FastStream 0.5 spells it, on top of FastAPI's."""

from __future__ import annotations

from typing import Any

from fastapi import Path as _FastAPIPath


def Path(name: Any = ..., /, **options: Any) -> Any:
    """FastAPI's ``Path()``: a ``{name}`` part of the subscription.

    ``Path("id")`` reads the part named ``id`` (FastStream 0.5's real name): a
    string can never be FastAPI's default, which a path parameter may not have.
    """
    if isinstance(name, str):
        options.setdefault("alias", name)
        return _FastAPIPath(**options)
    return _FastAPIPath(name, **options)

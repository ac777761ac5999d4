"""Annotations the per-broker ``fastapi`` modules share with FastStream 0.5's.

``ContextRepo`` gives a handler the context repository. FastStream 0.5's
``<B>Producer`` annotations gave its internal producer, whose ``publish(message,
destination, ...)`` is the broker's own ``publish`` here: they give the broker.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from ..core.context import ContextRepo as _ContextRepo
from ..core.context import context


def _context_repo() -> _ContextRepo:
    return context


ContextRepo = Annotated[_ContextRepo, Depends(_context_repo)]

__all__ = ["ContextRepo"]

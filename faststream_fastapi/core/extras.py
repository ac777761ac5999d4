"""A broker package whose client library is missing says which extra installs it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def needs(extra: str, *modules: str) -> Iterator[None]:
    """Imports in the block that fail for want of one of ``modules`` (the client
    library of this project's ``extra``) raise a ``ModuleNotFoundError`` naming the extra."""
    try:
        yield
    except ImportError as exc:
        missing = (exc.name or "").partition(".")[0]
        if missing not in modules:
            raise
        raise ModuleNotFoundError(
            f"{missing} is not installed; it comes with this project's [{extra}] extra"
            f" (in its clone: pip install -e '.[{extra}]')",
            name=exc.name,
        ) from exc

"""``Path`` and ``Header`` as FastStream 0.5 spells them, on top of FastAPI's."""

from __future__ import annotations

from typing import Any

from fastapi import Header as _FastAPIHeader
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


def Header(name: Any = ..., /, *, cast: bool = True, **options: Any) -> Any:
    """FastAPI's ``Header()``: a header of the message.

    ``Header("id")`` reads the header named ``id``, as FastStream 0.5's
    ``Header(real_name)`` did (FastAPI's first argument is a default; give
    ``default=`` by keyword). ``cast=False`` is refused: FastAPI validates every
    parameter against its annotation; annotate it ``str`` (or leave it
    unannotated) to get the header as sent.
    """
    if not cast:
        raise TypeError(
            "Header(cast=False) is not supported: a header is validated against its "
            "annotation; annotate the parameter str to receive it as sent"
        )
    if isinstance(name, str):
        if name:
            options.setdefault("alias", name)
        return _FastAPIHeader(**options)
    if name is not ...:  # FastAPI's positional default
        if "default" in options:
            raise TypeError("Header() got multiple values for argument 'default'")
        options["default"] = name
    return _FastAPIHeader(**options)

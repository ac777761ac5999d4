"""The keywords every broker class takes, as a ``TypedDict`` for type checkers.

Each broker module adds its client library's keywords (``<broker>/keywords.py``)
and declares, under ``TYPE_CHECKING`` only, an ``__init__`` taking
``**kwargs: Unpack[...]`` of them: mypy and pyright then check every keyword by
name and type, while at run time the constructor stays
:meth:`~.facade.FacadeBroker.__init__` (whose computed ``__signature__`` shows the
same names to ``help()``). ``tests/core/test_typed_keywords.py`` checks that every
keyword the runtime signature takes is a key here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from types import EllipsisType

from fastapi import params
from typing_extensions import TypedDict

from ..core.base_middleware import AnyMiddleware
from ..core.custom import CustomDecoder, CustomParser
from .objects import BaseSecurity


class CommonKeywords(TypedDict, total=False):
    """What a broker and a ``StreamRouter`` both take (the router hands them on)."""

    middlewares: Sequence[AnyMiddleware]
    graceful_timeout: float
    request_timeout: float
    max_message_bytes: int | None
    logger: logging.Logger | EllipsisType | None
    log_level: int | None
    security: BaseSecurity | None
    parser: CustomParser | None
    decoder: CustomDecoder | None
    description: str | None
    apply_types: bool
    validate: bool


class BrokerKeywords(CommonKeywords, total=False):
    """Every broker's own keywords besides its address."""

    dependencies: Sequence[params.Depends]

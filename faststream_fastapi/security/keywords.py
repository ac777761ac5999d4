"""The keywords every broker class takes, as ``TypedDict``s for type checkers.

Each broker module adds its client library's keywords (``<broker>/keywords.py``)
and declares, under ``TYPE_CHECKING`` only, an ``__init__`` taking
``**kwargs: Unpack[...]`` of them: mypy and pyright then check every keyword by
name and type, while at run time the constructor stays
:meth:`~.facade.FacadeBroker.__init__` (whose computed ``__signature__`` shows the
same names to ``help()``). ``tests/core/test_typed_keywords.py`` checks that every
keyword the runtime signature takes is a key here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

from ..core.options import BrokerOptions, SharedBrokerOptions
from .objects import BaseSecurity

#: A Kafka broker's ``bootstrap_servers``.
Servers = str | Iterable[str] | None


class _FacadeKeywords(TypedDict, total=False):
    security: BaseSecurity | None
    # FastStream 0.5's, taken and not handed to the client (``core/legacy.py``)
    description: str | None
    apply_types: bool
    validate: bool


class CommonKeywords(SharedBrokerOptions, _FacadeKeywords, total=False):
    """What a broker and a ``StreamRouter`` both take (the router hands them on)."""


class BrokerKeywords(BrokerOptions, _FacadeKeywords, total=False):
    """Every broker's own keywords besides its address."""

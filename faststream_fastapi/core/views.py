"""The read-only views that several core layers share, as Protocol bases.

A subscriber, a spec, a publisher and a call plan all have a ``name``; a broker
as its subscribers and middlewares see it has a ``logger``. The Protocols
further up (``middleware``, ``background``, ``redirect``, ``ports``,
``pipeline``) extend these rather than declare them again. This module
imports no other module of the package.
"""

from __future__ import annotations

import logging
from typing import Protocol


class Named(Protocol):
    """Anything with a ``name`` (subscriber, spec, publisher, call plan)."""

    @property
    def name(self) -> str: ...


class Logs(Protocol):
    """Anything with a ``logger``: a broker as its subscribers and middlewares see it."""

    @property
    def logger(self) -> logging.Logger: ...


class Spec(Named, Protocol):
    """What a broker facade describes a subscription or destination with."""

    def with_prefix(self, prefix: str) -> Spec: ...

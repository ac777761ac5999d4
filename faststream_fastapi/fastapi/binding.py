"""How a StreamRouter finds the FastAPI app it serves, without a lifespan.

This is the one place that leans on a FastAPI private: since 0.150 an
including router asks the included one ``_contains_router(parent)``, which
tells us our parents. ``tests/test_fastapi_compat.py`` fails loudly if a
FastAPI release changes that.
"""

from __future__ import annotations

import weakref
from typing import Any

from ..core.callplan import Overrides

_EMPTY: Overrides = {}


class AppBinding:
    """The app, its overrides and the lifespan state, as subscribers see them."""

    def __init__(self) -> None:
        self.app: Any = None
        self.state: dict[str, Any] = {}
        self._parents: list[weakref.ref[Any]] = []
        self._delegate: AppBinding | None = None

    def delegate_to(self, other: AppBinding) -> None:
        self._delegate = other

    def find_app(self) -> Any:
        if self._delegate is not None:
            return self._delegate.find_app()
        if self.app is not None:
            return self.app
        for ref in self._parents:
            parent = ref()
            provider = getattr(parent, "dependency_overrides_provider", None)
            if provider is not None:
                # Found once, kept: this runs for every message.
                self.app = provider
                return provider
        return None

    def overrides(self) -> Overrides:
        # Runs for every message: the found app first, without a call.
        app = self.app if self._delegate is None else None
        if app is None:
            if self._delegate is None and not self._parents:
                return _EMPTY  # not included in any app (yet)
            app = self.find_app()
        if app is None:
            return _EMPTY
        return getattr(app, "dependency_overrides", _EMPTY) or _EMPTY


def note_parent(binding: AppBinding, parent: Any) -> None:
    # Routers are unhashable; compare by identity.
    if not any(ref() is parent for ref in binding._parents):
        binding._parents.append(weakref.ref(parent))

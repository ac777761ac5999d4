"""How a StreamRouter finds the FastAPI app it serves, without a lifespan.

Whichever app includes the router, directly or through other routers, is
reported by ``IncludeAware`` (``core/fastapi_compat.py``, which knows how each
FastAPI release lets an included router find out). Its
``dependency_overrides`` then apply to the router's subscribers.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from ..core.callplan import Overrides

_EMPTY: Overrides = {}


class AppBinding:
    """The app, its overrides and the lifespan state, as subscribers see them."""

    def __init__(self) -> None:
        self.app: Any = None
        self.state: dict[str, Any] = {}
        self._providers: list[Callable[[], Any]] = []
        self._delegate: AppBinding | None = None
        #: Whether an app may be found (a provider or a delegate is known): until
        #: then ``overrides`` is empty, and a delivery reads this instead of calling it.
        self.searching = False

    def delegate_to(self, other: AppBinding) -> None:
        self._delegate = other
        self.searching = True

    def note_provider(self, provider: Any) -> None:
        """``provider`` (an app) includes our router; the first one noted serves it."""
        if any(ref() is provider for ref in self._providers):
            return
        try:
            # Weak: a router included into an app must not keep that app alive.
            self._providers.append(weakref.ref(provider))
        except TypeError:  # a provider that cannot be weakly referenced
            self._providers.append(lambda: provider)
        self.searching = True

    def find_app(self) -> Any:
        if self._delegate is not None:
            return self._delegate.find_app()
        if self.app is not None:
            return self.app
        for ref in self._providers:
            provider = ref()
            if provider is not None:
                # Found once, kept: this runs for every message.
                self.app = provider
                return provider
        return None

    def overrides(self) -> Overrides:
        # Runs for every message: the found app first, without a call.
        app = self.app if self._delegate is None else None
        if app is None:
            if self._delegate is None and not self._providers:
                return _EMPTY  # not included in any app (yet)
            app = self.find_app()
        if app is None:
            return _EMPTY
        return getattr(app, "dependency_overrides", _EMPTY) or _EMPTY

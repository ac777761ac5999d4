"""What the subscriber and publisher need from the broker above them, as Protocols.

A broker builds its subscribers and publishers and they call back into it
(reply, retry, log; they publish through ``sender.Sender``). Typed against these
Protocols rather than the
broker class, the modules below the broker never import it: imports point
down only (``broker`` → ``lifecycle`` → ``sending`` → ``registry`` →
``publisher`` → ``subscriber`` → ``ports`` → ``middleware``), as
``tests/core/test_layering.py`` checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from fastapi import params

from .ack import AckPolicy
from .middleware import Middleware
from .views import Logs, Named

if TYPE_CHECKING:
    from .callplan import Overrides
    from .sender import Sender


class Owner(Protocol):
    """The broker or router a subscriber or publisher was declared on."""

    @property
    def default_ack_policy(self) -> AckPolicy: ...

    def root(self) -> Sender: ...  # the broker at the top

    #: ``parser=``/``decoder=`` of the subscribers declared on it without their own.
    parser: Any
    decoder: Any

    def all_dependencies(self) -> tuple[params.Depends, ...]: ...

    def all_middlewares(self) -> tuple[Middleware, ...]: ...


class SubscriberOwner(Owner, Logs, Protocol):
    """A subscriber's broker: an ``Owner`` that also logs (and replies, through
    ``root()``, the ``Sender``).

    A router is one only once included into a broker, which is where its
    subscribers move (and the only place they run).
    """


class Outlet(Named, Protocol):
    """Where a handler's results and dead letters go: a declared publisher."""

    async def publish(
        self,
        message: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
        **options: Any,
    ) -> Any: ...


class AppBinding(Protocol):
    """What a FastAPI router lends its subscribers: app, overrides, state."""

    @property
    def app(self) -> Any: ...

    @property
    def state(self) -> dict[str, Any]: ...

    @property
    def searching(self) -> bool:
        """False while no app can be found: ``overrides()`` would be empty."""
        ...

    def overrides(self) -> Overrides: ...

    def find_app(self) -> Any: ...

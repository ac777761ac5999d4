"""What the subscriber and publisher need from the broker above them, as Protocols.

A broker builds its subscribers and publishers and they call back into it
(send, reply, retry, log). Typed against these Protocols rather than the
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
from .message import StreamMessage
from .middleware import Middleware
from .transport import Transport
from .views import Logs, Named

if TYPE_CHECKING:
    from .callplan import Overrides


class Spec(Named, Protocol):
    """What a broker facade describes a subscription or destination with."""

    def with_prefix(self, prefix: str) -> Spec: ...


class Sender(Protocol):
    """The root broker as its subscribers and publishers use it while running."""

    @property
    def testing(self) -> bool: ...

    @property
    def under_test(self) -> bool: ...

    @property
    def max_message_bytes(self) -> int | None: ...

    @property
    def transport(self) -> Transport: ...

    async def send(
        self,
        message: Any,
        spec: Spec,
        *,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
        reply_to: str | None = None,
        options: dict[str, Any] | None = None,
        middlewares: tuple[Middleware, ...] = (),
    ) -> Any: ...

    async def send_batch(
        self,
        messages: tuple[Any, ...],
        spec: Spec,
        extra: dict[str, Any],
        *,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> list[Any]: ...

    def retry_spec(self, spec: Spec, message: StreamMessage) -> Spec: ...

    async def _request(
        self,
        message: Any,
        spec: Spec,
        *,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> StreamMessage: ...


class Owner(Protocol):
    """The broker or router a subscriber or publisher was declared on."""

    @property
    def default_ack_policy(self) -> AckPolicy: ...

    def root(self) -> Sender: ...

    def all_dependencies(self) -> tuple[params.Depends, ...]: ...

    def all_middlewares(self) -> tuple[Middleware, ...]: ...


class SubscriberOwner(Owner, Logs, Protocol):
    """A subscriber's broker: an ``Owner`` that also logs and replies.

    A router is one only once included into a broker, which is where its
    subscribers move (and the only place they run).
    """

    async def reply(
        self,
        message: StreamMessage,
        body: Any,
        *,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> None: ...


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

    def overrides(self) -> Overrides: ...

    def find_app(self) -> Any: ...

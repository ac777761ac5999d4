"""A declared destination: publishes values and decorates handlers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any
from unittest.mock import MagicMock

from typing_extensions import Unpack

from .base_middleware import as_publish_middleware
from .message import StreamMessage
from .middleware import Middleware
from .options import PublisherOptions
from .ports import Owner
from .spec import NamedSpec
from .subscriber import Handler, LazyMock, as_handler
from .views import Spec


class Publisher:
    """``@broker.publisher("out")`` publishes the handler's return value to ``out``.

    Also usable directly: ``await publisher.publish(value)``. Its own
    ``middlewares=`` wrap its publishes inside the broker's (FastStream 0.5's order).
    """

    #: Whether AsyncAPI documents it (``include_router(..., include_in_schema=False)``).
    include_in_schema = True

    def __init__(
        self,
        owner: Owner,
        spec: Spec,
        **options: Unpack[PublisherOptions],
    ) -> None:
        unknown = options.keys() - _KEYWORDS
        if unknown:
            raise TypeError(f"publisher() got an unexpected keyword argument {min(unknown)!r}")
        self.owner = owner
        self.spec = spec
        self.headers = dict(options.get("headers") or {})
        self.title = options.get("title")
        self.description = options.get("description")
        self.schema = options.get("schema")
        self.include_in_schema = options.get("include_in_schema", True)
        self.middlewares: tuple[Middleware, ...] = tuple(
            map(as_publish_middleware, options.get("middlewares") or ())
        )
        self.handlers: list[Handler] = []
        self._mock = LazyMock(f"publisher:{spec.name}")

    @property
    def mock(self) -> MagicMock | None:
        """Calls with each value published under a test broker; ``None`` outside one
        (also once its block ended), as in FastStream 0.5."""
        return self._mock.get()

    @property
    def name(self) -> str:
        return self.spec.name

    def __call__(self, func: Callable[..., Any]) -> Handler:
        handler = as_handler(func)
        handler.publishers.append(self)
        self.handlers.append(handler)
        return handler

    async def publish(
        self,
        message: Any = None,
        destination: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
        **options: Any,
    ) -> Any:
        """Publish ``message`` here, or (0.5's second argument) to ``destination``
        with this publisher's other options."""
        broker = self.owner.root()
        merged = {**self.headers, **(headers or {})} if headers else self.headers
        if broker.under_test:
            self._mock.record(message)
        return await broker.send(
            message,
            self.spec if destination is None else _renamed(self.spec, destination),
            headers=merged,
            correlation_id=correlation_id,
            options=options,
            middlewares=self.middlewares,
        )

    async def request(
        self,
        message: Any = None,
        *,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> StreamMessage:
        """Publish to this destination and wait for the handler's reply, as ``broker.request``."""
        merged = {**self.headers, **(headers or {})} if headers else self.headers
        broker = self.owner.root()
        if broker.under_test:
            self._mock.record(message)
        return await broker._request(
            message, self.spec, headers=merged, correlation_id=correlation_id, timeout=timeout
        )

    def __repr__(self) -> str:
        return f"Publisher({self.spec.name!r})"


def _renamed(spec: Spec, destination: str) -> Spec:
    """``spec`` naming ``destination`` instead (its other options kept)."""
    if not isinstance(spec, NamedSpec):
        raise TypeError(f"{spec!r} cannot be published to another destination")
    renamed: Spec = dataclasses.replace(spec, **{spec.named_by: destination})
    return renamed


_KEYWORDS = PublisherOptions.__optional_keys__ | PublisherOptions.__required_keys__

"""A declared destination: publishes values and decorates handlers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from unittest.mock import MagicMock

from typing_extensions import Unpack

from .message import StreamMessage
from .options import PublisherOptions
from .ports import Owner, Spec
from .subscriber import Handler, LazyMock, as_handler


class Publisher:
    """``@broker.publisher("out")`` publishes the handler's return value to ``out``.

    Also usable directly: ``await publisher.publish(value)``.
    """

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
        self.handlers: list[Handler] = []
        self._mock = LazyMock(f"publisher:{spec.name}")

    @property
    def mock(self) -> MagicMock:
        """Calls with each value published under a test broker."""
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
        *,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
        **options: Any,
    ) -> Any:
        broker = self.owner.root()
        merged = {**self.headers, **(headers or {})} if headers else self.headers
        if broker.testing:
            self._mock.record(message)
        return await broker.send(
            message,
            self.spec,
            headers=merged,
            correlation_id=correlation_id,
            options=options,
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
        if broker.testing:
            self._mock.record(message)
        return await broker._request(
            message, self.spec, headers=merged, correlation_id=correlation_id, timeout=timeout
        )

    def __repr__(self) -> str:
        return f"Publisher({self.spec.name!r})"


_KEYWORDS = PublisherOptions.__optional_keys__ | PublisherOptions.__required_keys__

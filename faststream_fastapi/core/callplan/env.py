"""What a plan runs in: the run environment, and one message's scratch space."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

from fastapi.background import BackgroundTasks
from starlette.requests import Request

from ..message import StreamMessage


class RunEnv:
    """What a plan needs from its surroundings: broker, logger, app and state."""

    __slots__ = ("app", "broker", "logger", "state")

    def __init__(
        self, broker: Any, logger: Any, app: Any = None, state: dict[str, Any] | None = None
    ) -> None:
        self.broker = broker
        self.logger = logger
        self.app = app
        self.state = state if state is not None else {}


class MessageRun:
    """Per-message scratch space of the general (tree-walking) runner."""

    __slots__ = ("cache", "data", "env", "headers", "message", "path", "request", "stack", "tasks")

    def __init__(self, message: StreamMessage, env: RunEnv) -> None:
        self.message = message
        self.env = env
        self.data: dict[str, Any] = {}
        self.headers: dict[str, Any] = {}
        self.path: dict[str, Any] = {}
        self.cache: dict[Any, Any] = {}
        self.stack: AsyncExitStack | None = None
        self.tasks: BackgroundTasks | None = None
        self.request: Request | None = None

    def get_request(self) -> Request:
        if self.request is None:
            msg = self.message
            scope: dict[str, Any] = {
                "type": "http",
                "http_version": "1.1",
                "method": "POST",
                "scheme": "broker",
                "path": "/" + msg.destination,
                "raw_path": msg.destination.encode(),
                "root_path": "",
                "query_string": b"",
                "headers": [(k.encode(), v.encode()) for k, v in msg.headers.items()],
                "path_params": dict(msg.path),
                # A copy, as Starlette gives each request, so handlers cannot
                # change the application's lifespan state by accident.
                "state": dict(self.env.state),
                "app": self.env.app,
                "message": msg,
            }
            self.request = Request(scope)
        return self.request

"""The ``@get`` decorator: a function of the scope becomes a GET/HEAD ASGI endpoint."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, overload

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from .response import AsgiResponse, text_response

__all__ = ["ASGIApp", "AsgiHandler", "get", "route_path"]

logger = logging.getLogger("faststream_fastapi.asgi")

Endpoint = Callable[[Scope], Awaitable[AsgiResponse] | AsgiResponse]
#: What ``respond`` returns: an ``AsgiResponse`` or any response that is an ASGI app.
Responder = Callable[[Scope, Receive, Send], Awaitable[None]]


def route_path(scope: Scope) -> str:
    """The request path below ``root_path`` (the prefix mounts have consumed)."""
    path: str = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root) and (len(path) == len(root) or path[len(root)] == "/"):
        return path[len(root) :]
    return path


async def close_websocket(send: Send, reason: str = "") -> None:
    """Refuse a websocket: close with code 1000 (normal closure)."""
    await send({"type": "websocket.close", "code": 1000, "reason": reason})


class AsgiHandler:
    """An ASGI endpoint answering ``GET`` and ``HEAD`` at exactly its path.

    ``AsgiFastStream`` routes a handler only for its exact path, plus the
    suffixes in ``siblings`` and the paths below it that start with one of
    ``subpaths`` (the AsyncAPI page also answers ``.json``, ``.yaml`` and
    ``/static/`` assets).
    Other methods get 405 with ``Allow: GET, HEAD``; an exception in the
    endpoint is logged and answered with 500.
    """

    siblings: tuple[str, ...] = ()
    subpaths: tuple[str, ...] = ()
    allow = "GET, HEAD"

    def __init__(self, func: Endpoint | None = None) -> None:
        self.func = func
        self.__name__ = getattr(func, "__name__", type(self).__name__)
        self.__doc__ = getattr(func, "__doc__", None)

    def matches(self, prefix: str, path: str) -> bool:
        """Whether ``AsgiFastStream`` hands ``path`` to this handler, routed at ``prefix``."""
        if path == prefix or any(path == prefix + suffix for suffix in self.siblings):
            return True
        base = prefix.rstrip("/")
        return any(path.startswith(base + sub) for sub in self.subpaths)

    async def respond(self, scope: Scope) -> Responder:
        """The response to a GET or HEAD; subclasses without ``func`` override it."""
        if self.func is None:
            raise NotImplementedError(f"{type(self).__name__} has no endpoint function")
        if inspect.iscoroutinefunction(self.func):
            result: Any = await self.func(scope)
        else:
            result = await run_in_threadpool(self.func, scope)
            if inspect.isawaitable(result):
                result = await result
        if not isinstance(result, AsgiResponse):
            raise TypeError(f"{self.__name__} returned {type(result).__name__}, not AsgiResponse")
        return result

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await close_websocket(send)
            return
        if scope["type"] != "http":
            return
        response: Responder
        if scope.get("method", "GET") not in ("GET", "HEAD"):
            response = text_response("Method Not Allowed", 405, {"allow": self.allow})
        else:
            try:
                response = await self.respond(scope)
            except Exception:
                logger.exception("endpoint %s failed", self.__name__)
                response = text_response("Internal Server Error", 500)
        await response(scope, receive, send)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__name__})"


@overload
def get(func: Endpoint, /) -> AsgiHandler: ...
@overload
def get(func: None = None, /) -> Callable[[Endpoint], AsgiHandler]: ...


def get(func: Endpoint | None = None, /) -> AsgiHandler | Callable[[Endpoint], AsgiHandler]:
    """``@get`` or ``@get()``: ``func(scope)`` returns an ``AsgiResponse``; sync or async."""
    if func is None:
        return AsgiHandler
    return AsgiHandler(func)

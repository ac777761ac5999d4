"""Middlewares by the names FastStream 0.5 code imports (``faststream.middlewares``)."""

from .core.base_middleware import BaseMiddleware
from .core.exception_middleware import ExceptionMiddleware
from .core.middleware import Middleware

__all__ = ["BaseMiddleware", "ExceptionMiddleware", "Middleware"]

"""``faststream.broker.middlewares``, renamed: FastStream 0.5 documents its
``BaseMiddleware`` and ``ExceptionMiddleware`` under this path too, so code
importing them from here keeps working (the same classes as ``faststream_fastapi.middlewares``)."""

from ..core.base_middleware import BaseMiddleware
from ..core.exception_middleware import ExceptionMiddleware

__all__ = ["BaseMiddleware", "ExceptionMiddleware"]

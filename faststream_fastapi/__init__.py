"""Consume and publish broker messages from FastAPI with the tools it uses for HTTP."""

from fastapi import Depends

from .app import FastStream
from .asgi.app import AsgiFastStream
from .core.ack import AckPolicy
from .core.backoff import Backoff
from .core.base_middleware import BaseMiddleware
from .core.context import Context, Logger, context
from .core.context import ContextRepoAnnotation as ContextRepo
from .core.exception_middleware import ExceptionMiddleware
from .core.message import StreamMessage
from .core.params import Header, Path
from .core.response import Response
from .injection import apply_types
from .testing_app import TestApp

__all__ = [
    "AckPolicy",
    "Backoff",
    "BaseMiddleware",
    "Context",
    "ContextRepo",
    "Depends",
    "ExceptionMiddleware",
    "FastStream",
    "Header",
    "Logger",
    "Path",
    "Response",
    "StreamMessage",
    "TestApp",
    "apply_types",
    "context",
]
__version__ = "0.1.0"

# ``FastStream.as_asgi`` builds an ``AsgiFastStream``. The two are wired here, above
# both, so that app.py does not import the ASGI layer that is built on it.
FastStream._asgi_factory = AsgiFastStream.from_app

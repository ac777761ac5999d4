"""Consume and publish broker messages from FastAPI with the tools it uses for HTTP."""

from fastapi import Depends, Header, Path

from .core.ack import AckPolicy
from .core.context import Context, Logger, context
from .core.message import StreamMessage
from .core.response import Response

__all__ = [
    "AckPolicy",
    "Context",
    "Depends",
    "Header",
    "Logger",
    "Path",
    "Response",
    "StreamMessage",
    "context",
]
__version__ = "0.1.0"

from .app import FastStream  # noqa: E402
from .testing_app import TestApp  # noqa: E402

__all__ += ["FastStream", "TestApp"]

"""The FastAPI integration: ``StreamRouter`` and its per-broker subclasses."""

from ..core.context import Context, Logger
from .router import StreamRouter

__all__ = ["Context", "Logger", "StreamRouter"]

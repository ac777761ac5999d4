"""``faststream.broker.fastapi.context`` of FastStream 0.5: the plugin's ``Context``,
``Logger`` and ``ContextRepo``, the same objects as ``faststream_fastapi.<broker>.fastapi``'s."""

from ...core.context import Context, Logger
from ...fastapi.annotations import ContextRepo

__all__ = ["Context", "ContextRepo", "Logger"]

"""``faststream.broker.fastapi`` of FastStream 0.5: the generic ``StreamRouter``."""

from ...fastapi.router import StreamRouter

__all__ = ["StreamRouter"]

"""``faststream.broker.response`` of FastStream 0.5: ``Response`` and ``ensure_response``."""

from ..core.response import Response, ensure_response

__all__ = ["Response", "ensure_response"]

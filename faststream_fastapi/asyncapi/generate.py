"""``get_app_schema`` at the import path FastStream 0.5 code uses."""

from .schema import get_app_schema

__all__ = ["get_app_schema"]

"""``TestApp``: run a FastStream app's lifespan and hooks around a test (in ``core``, so
that the broker packages can re-export it as FastStream 0.5's do)."""

from .core.testing_app import Runnable, TestApp

__all__ = ["Runnable", "TestApp"]

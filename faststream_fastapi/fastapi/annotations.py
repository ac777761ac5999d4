"""Annotations the per-broker ``fastapi`` modules share with FastStream 0.5's.

``ContextRepo`` gives a handler the context repository. FastStream 0.5's
``<B>Producer`` annotations gave its internal producer, whose ``publish(message,
destination, ...)`` is the broker's own ``publish`` here: they give the broker.
"""

from __future__ import annotations

from ..core.context import ContextRepoAnnotation

#: ``context: ContextRepo`` gives the context repository (``Context("context")``).
ContextRepo = ContextRepoAnnotation

__all__ = ["ContextRepo"]

"""A small ASGI application around a broker: lifespan, health, metrics, AsyncAPI docs."""

from .app import AsgiFastStream
from .factories import make_asyncapi_asgi, make_ping_asgi, make_ready_asgi
from .handlers import AsgiHandler, get
from .response import AsgiResponse

__all__ = [
    "AsgiFastStream",
    "AsgiHandler",
    "AsgiResponse",
    "get",
    "make_asyncapi_asgi",
    "make_ping_asgi",
    "make_ready_asgi",
]

"""The declarative forms of both Kafka packages (``core/routes.py``)."""

from ..core.routes import PublisherRoute, SubscriberRoute, describe_routes
from .facade import KafkaDeclarations


class KafkaRoute(SubscriberRoute):
    """A handler for ``KafkaRouter(handlers=[...])``: ``KafkaRoute(handler, "topic", ...,
    publishers=[KafkaPublisher(...)])`` takes what ``subscriber()`` takes (FastStream 0.5)."""


class KafkaPublisher(PublisherRoute):
    """One of a ``KafkaRoute``'s ``publishers=``: what ``publisher()`` takes."""


describe_routes(KafkaRoute, KafkaPublisher, KafkaDeclarations)

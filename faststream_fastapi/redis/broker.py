"""``RedisBroker`` and the plain ``RedisRouter``: Redis names for the core's verbs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis
from typing_extensions import Unpack

from ..core.batchpub import BatchPublisher
from ..core.errors import SetupError
from ..core.message import Envelope, StreamMessage
from ..core.options import (
    PublisherOptions,
    PublishOptions,
    RequestOptions,
    SubscriberConfig,
    SubscriberOptions,
)
from ..core.paths import PathPattern, has_params
from ..core.publisher import Publisher
from ..core.registry import Registry
from ..core.routes import PublisherRoute, SubscriberRoute, describe_routes
from ..core.subscriber import Handler
from ..core.views import Spec
from ..security.facade import FacadeBroker, keywords_of, own
from .descriptor import REDIS
from .pool import DEFAULT_MAX_CONNECTIONS, DEFAULT_POOL_TIMEOUT
from .specs import ListSub, PubSub, RedisSpec, StreamSub
from .transport import RedisTransport

Channel = str | PubSub
RedisMessage = StreamMessage


def _spec(
    channel: Channel | None, list: str | ListSub | None, stream: str | StreamSub | None
) -> RedisSpec:
    given = [x for x in (channel, list, stream) if x is not None]
    if len(given) != 1:
        raise SetupError("give exactly one of channel, list= or stream=")
    if channel is not None:
        if isinstance(channel, PubSub):
            return channel
        return PubSub(channel, pattern=has_params(channel) or "*" in channel)
    if list is not None:
        return list if isinstance(list, ListSub) else ListSub(list)
    assert stream is not None
    return stream if isinstance(stream, StreamSub) else StreamSub(stream)


class _RedisDeclarations(Registry):
    """The Redis-flavoured ``subscriber`` and ``publisher`` decorators."""

    descriptor = REDIS

    def subscriber(
        self,
        channel: Channel | None = None,
        *,
        list: str | ListSub | None = None,
        stream: str | StreamSub | None = None,
        **options: Unpack[SubscriberOptions],
    ) -> Callable[[Callable[..., Any]], Handler]:
        return self._add_subscriber(
            _spec(channel, list, stream),
            SubscriberConfig.of(options, where=f"{type(self).__name__}.subscriber()"),
        )

    def publisher(
        self,
        channel: Channel | None = None,
        *,
        list: str | ListSub | None = None,
        stream: str | StreamSub | None = None,
        **options: Unpack[PublisherOptions],
    ) -> Publisher:
        """Publish handlers' return values; to a ``ListSub(..., batch=True)`` each
        item of a returned list or tuple is its own list element."""
        spec = _spec(channel, list, stream)
        batch = isinstance(spec, ListSub) and spec.batch
        return self._add_publisher(spec, BatchPublisher if batch else Publisher, **options)

    def _pattern_for(self, spec: Spec) -> PathPattern | None:
        if isinstance(spec, PubSub) and has_params(spec.channel):
            return PathPattern(spec.channel, wildcard="*", token=r".+?")
        return None


class RedisRouter(_RedisDeclarations):
    """Groups Redis subscribers and publishers, optionally under a name ``prefix``."""


if TYPE_CHECKING:
    from .keywords import RedisKeywords


class RedisBroker(_RedisDeclarations, FacadeBroker):
    """A Redis connection with pub/sub channels, lists and streams.

    redis-py's keywords go to its client. ``max_connections`` (default
    100) bounds its connection pool; a command finding every connection in use
    waits for one up to ``pool_timeout`` seconds (default 10), then fails.
    """

    default_address = "redis://localhost:6379"
    transport_class = RedisTransport

    if TYPE_CHECKING:  # the constructor's keywords by name and type (``keywords.py``)

        def __init__(self, url: str | None = None, **kwargs: Unpack[RedisKeywords]) -> None: ...

    client_keywords = (
        own("max_connections", DEFAULT_MAX_CONNECTIONS, "int"),
        own("pool_timeout", DEFAULT_POOL_TIMEOUT, "float"),
        *keywords_of(Redis.__init__, skip=["connection_pool", "single_connection_client"]),
    )

    def envelope_for(
        self, spec: Spec, body: bytes, headers: dict[str, str], options: dict[str, Any]
    ) -> Envelope:
        if isinstance(spec, ListSub):
            options["kind"] = "list"
        elif isinstance(spec, StreamSub):
            options["kind"] = "stream"
            if spec.maxlen is not None:
                options.setdefault("maxlen", spec.maxlen)
        return Envelope(spec.name, body, headers, options=options)

    def reply_spec(self, reply_to: str) -> Spec:
        return PubSub(reply_to)

    async def publish(
        self,
        message: Any = None,
        channel: Channel | None = None,
        *,
        list: str | ListSub | None = None,
        stream: str | StreamSub | None = None,
        maxlen: int | None = None,
        **options: Unpack[PublishOptions],
    ) -> Any:
        """Publish to a channel (``PUBLISH``), ``list=`` (``RPUSH``) or ``stream=`` (``XADD``)."""
        spec = _spec(channel, list, stream)
        return await self.send(
            message, spec, options={"maxlen": maxlen} if maxlen is not None else None, **options
        )

    async def publish_batch(
        self,
        *messages: Any,
        list: str | ListSub,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> Any:
        """Append ``messages`` to ``list`` in one ``RPUSH``; returns the list's length."""
        spec = _spec(None, list, None)
        result = await self.send_batch(
            messages, spec, {}, headers=headers, correlation_id=correlation_id
        )
        return result[-1] if result else 0

    async def request(
        self,
        message: Any = None,
        channel: Channel | None = None,
        *,
        list: str | ListSub | None = None,
        stream: str | StreamSub | None = None,
        **options: Unpack[RequestOptions],
    ) -> StreamMessage:
        """Publish and wait for the handler's reply (via a private inbox channel)."""
        return await self._request(message, _spec(channel, list, stream), **options)


class RedisRoute(SubscriberRoute):
    """A handler for ``RedisRouter(handlers=[...])``: ``RedisRoute(handler, "channel", ...,
    publishers=[RedisPublisher(...)])`` takes what ``subscriber()`` takes (FastStream 0.5)."""


class RedisPublisher(PublisherRoute):
    """One of a ``RedisRoute``'s ``publishers=``: what ``publisher()`` takes."""


describe_routes(RedisRoute, RedisPublisher, _RedisDeclarations)

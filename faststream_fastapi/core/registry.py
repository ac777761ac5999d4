"""What decorators declare: subscribers and publishers, and the options they share.

A ``Registry`` is a router; a broker is a registry with a transport. Including
a router gives its subscribers and publishers to the including registry, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

from fastapi import params
from typing_extensions import Unpack

from .ack import AckPolicy
from .base_middleware import AnyMiddleware, as_middleware
from .custom import CustomDecoder, CustomParser
from .descriptor import BrokerDescriptor
from .errors import SetupError
from .filtering import SubscriberDecorator, join_group
from .middleware import Middleware
from .options import PublisherOptions, SubscriberConfig
from .paths import PathPattern
from .publisher import Publisher
from .routes import SubscriberRoute, declare_routes
from .sender import Sender
from .subscriber import Handler, Subscriber, as_handler
from .views import Spec


class Registry:
    """Subscribers and publishers declared with decorators, plus options they share."""

    #: Default ack policy of this broker's subscribers; facades override it.
    default_ack_policy = AckPolicy.REJECT_ON_ERROR
    #: The broker kind these declarations are for; each broker package sets it.
    descriptor: ClassVar[BrokerDescriptor]

    def __init__(
        self,
        *,
        prefix: str = "",
        dependencies: Sequence[params.Depends] = (),
        middlewares: Sequence[AnyMiddleware] = (),
        include_in_schema: bool = True,
        handlers: Iterable[SubscriberRoute] = (),
        parser: CustomParser | None = None,
        decoder: CustomDecoder | None = None,
    ) -> None:
        self.prefix = prefix
        #: FastStream 0.5's ``parser=``/``decoder=`` of the subscribers declared here
        #: without their own (a broker's: of every subscriber it runs, see ``Subscriber``).
        self.parser = parser
        self.decoder = decoder
        #: ``False``: what this router declares stays out of the AsyncAPI document.
        self.include_in_schema = include_in_schema
        self.dependencies = tuple(dependencies)
        self.middlewares = tuple(map(as_middleware, middlewares))
        self.subscribers: list[Subscriber] = []
        self.publishers: list[Publisher] = []
        self.parent: Registry | None = None
        declare_routes(self, handlers)  # type: ignore[arg-type]  # facades add the decorators

    @property
    def _subscribers(self) -> Mapping[str, Subscriber]:
        """FastStream 0.5's mapping of the subscribers, read-only, keyed by name: one
        entry per subscription (the handlers sharing one through ``filter=`` are its
        first one's); what tests written for 0.5 read (``len``, ``values()``)."""
        return _by_name(sub for sub in self.subscribers if sub.lead is None)

    @property
    def _publishers(self) -> Mapping[str, Publisher]:
        """FastStream 0.5's mapping of the declared publishers, read-only, keyed by name."""
        return _by_name(self.publishers)

    # -- structure ------------------------------------------------------------

    def root(self) -> Sender:
        """The broker this registry is included into (itself, for a broker)."""
        broker = self._top()._as_broker()
        if broker is None:
            raise self._not_included()
        return broker

    def _top(self) -> Registry:
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    def _as_broker(self) -> Sender | None:
        """This registry as a broker, or None (a router); brokers return themselves."""
        return None

    def _not_included(self) -> SetupError:
        return SetupError(
            f"{type(self).__name__} is not included in a broker yet; "
            "call broker.include_router(router) first"
        )

    def add_middleware(self, middleware: AnyMiddleware) -> None:
        """Add ``middleware`` innermost of this broker's or router's own (FastStream 0.5)."""
        self.middlewares = (*self.middlewares, as_middleware(middleware))

    def all_dependencies(self) -> tuple[params.Depends, ...]:
        outer = self.parent.all_dependencies() if self.parent is not None else ()
        return (*outer, *self.dependencies)

    def all_middlewares(self) -> tuple[Middleware, ...]:
        outer = self.parent.all_middlewares() if self.parent is not None else ()
        return (*outer, *self.middlewares)

    def include_router(
        self,
        router: Registry,
        *,
        prefix: str = "",
        dependencies: Sequence[params.Depends] = (),
        middlewares: Sequence[AnyMiddleware] = (),
        include_in_schema: bool = True,
    ) -> None:
        """Adopt ``router``'s subscribers and publishers, with this registry's prefix
        and ``prefix`` on names (FastStream 0.5's ``include_router``).

        They keep the router's dependencies and middlewares, after ``dependencies``
        and ``middlewares`` given here, which come after this registry's own;
        With ``include_in_schema=False`` (or a router made with it) they stay out
        of the AsyncAPI document, wherever they are included next. Each is moved
        exactly once: including a router twice is an error.
        """
        if router is self:
            raise SetupError("a router cannot include itself")
        if router.parent is not None:
            raise SetupError(
                f"{described(router)} is already included into another broker or router"
            )
        router._check_includable()
        # ``router.prefix`` was applied when its subscribers were declared.
        prefix = self.prefix + prefix
        deps = (*dependencies, *router.dependencies)
        consume = (*map(as_middleware, middlewares), *router.middlewares)
        publish = tuple(mw for mw in consume if type(mw).publish is not Middleware.publish)
        router.parent = self
        hidden = not (include_in_schema and router.include_in_schema)
        for sub in router.subscribers:
            if hidden:
                sub.include_in_schema = False
            if prefix:
                sub.spec = sub.spec.with_prefix(prefix)
                sub.pattern = self._pattern_for(sub.spec)
            sub.dependencies = (*deps, *sub.dependencies)
            sub.middlewares = (*consume, *sub.middlewares)
            # A router's subscribers run only once they reach a broker this way.
            sub.broker = self  # type: ignore[assignment]
            sub.rebuild()
            self.subscribers.append(sub)
        for pub in router.publishers:
            if hidden:
                pub.include_in_schema = False
            if prefix:
                pub.spec = pub.spec.with_prefix(prefix)
            pub.middlewares = (*publish, *pub.middlewares)
            pub.owner = self
            self.publishers.append(pub)
        router.subscribers = []
        router.publishers = []

    def include_routers(self, *routers: Registry) -> None:
        """``include_router`` each of ``routers``, in order."""
        for router in routers:
            self.include_router(router)

    def setup_subscriber(self, subscriber: Any) -> None:
        """FastStream 0.5's step before ``await subscriber.start()`` for a subscriber
        declared on a running broker: checks it is this broker's (its pipeline is
        compiled when it starts). Takes what ``subscriber(...)`` returned."""
        sub = getattr(subscriber, "subscriber", subscriber)
        if not isinstance(sub, Subscriber) or sub.broker.root() is not self.root():
            raise SetupError(f"{subscriber!r} is not a subscriber of {described(self)}")

    def setup_publisher(self, publisher: Publisher) -> None:
        """FastStream 0.5's step for a publisher declared on a running broker: checks it
        is this broker's (a publisher needs nothing more to publish)."""
        if publisher.owner.root() is not self.root():
            raise SetupError(f"{publisher!r} is not a publisher of {described(self)}")

    def _check_includable(self) -> None:
        """Raise if this registry cannot be included now; brokers refuse while running."""
        return None

    # -- declarations ----------------------------------------------------------

    def _pattern_for(self, spec: Spec) -> PathPattern | None:
        """The path pattern of a subscription; facades with ``{name}`` support override."""
        return None

    def _add_subscriber(self, spec: Spec, config: SubscriberConfig) -> SubscriberDecorator:
        spec = spec.with_prefix(self.prefix) if self.prefix else spec
        decorator = SubscriberDecorator(self._declare_subscriber, spec, config, self)
        self._on_decorator(decorator)
        return decorator

    def _on_decorator(self, decorator: SubscriberDecorator) -> None:
        """A broker keeps its declarations, to pull from those left without a handler."""
        return None

    def _declare_subscriber(
        self,
        spec: Spec,
        config: SubscriberConfig,
        func: Callable[..., Any],
        lead: Subscriber | None,
    ) -> Handler:
        handler = as_handler(func)
        sub = Subscriber(
            self,  # type: ignore[arg-type]  # see ``include_router``
            spec,
            handler,
            config,
            pattern=self._pattern_for(spec),
        )
        handler.subscribers.append(sub)
        join_group(self.subscribers, sub, lead)  # several handlers on one subscription
        self.subscribers.append(sub)
        self._on_subscriber_added(sub)
        return handler

    def _on_subscriber_added(self, sub: Subscriber) -> None:
        return None

    def place_subscriber(self, sub: Subscriber, order: int) -> None:
        """Move ``sub`` (just added, last) before the subscribers declared after it."""
        sub.order = order
        subs = self.subscribers
        i = j = subs.index(sub)
        while j > 0 and subs[j - 1].order > order:
            j -= 1
        if j != i:
            subs.insert(j, subs.pop(i))

    def _add_publisher(
        self,
        spec: Spec,
        publisher_class: type[Publisher] = Publisher,
        **options: Unpack[PublisherOptions],
    ) -> Publisher:
        spec = spec.with_prefix(self.prefix) if self.prefix else spec
        pub = publisher_class(self, spec, **options)
        self.publishers.append(pub)
        return pub


_N = TypeVar("_N", Subscriber, Publisher)


def _by_name(items: Iterable[_N]) -> Mapping[str, _N]:
    """``items`` by name, in order; a repeated name gets ``#2``, ``#3``, ..."""
    out: dict[str, _N] = {}
    for item in items:
        key, n = item.name, 1
        while key in out:
            n += 1
            key = f"{item.name}#{n}"
        out[key] = item
    return MappingProxyType(out)


def described(registry: Registry) -> str:
    """How errors name a broker or router: its class, and its prefix if it has one."""
    prefix = f"(prefix={registry.prefix!r})" if registry.prefix else ""
    return f"{type(registry).__name__}{prefix}"

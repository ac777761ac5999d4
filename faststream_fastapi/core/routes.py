"""FastStream 0.5's declarative forms: routes given to a router's ``handlers=``.

``<B>Route(handler, <destination>, ..., publishers=(<B>Publisher(...), ...))``
holds what ``@router.subscriber(...)`` and ``@router.publisher(...)`` would be
given; a router made with ``handlers=[...]`` declares each route as those
decorators would, in order, at construction. Nothing here runs per message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol


class PublisherRoute:
    """The arguments of one ``publisher(...)`` call, kept for a route."""

    __slots__ = ("args", "kwargs")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs

    def __repr__(self) -> str:
        return f"{type(self).__name__}(*{self.args!r}, **{self.kwargs!r})"


class SubscriberRoute(PublisherRoute):
    """A handler and the arguments of its ``subscriber(...)`` call, with the
    publishers its return value goes to."""

    __slots__ = ("call", "publishers")

    def __init__(
        self,
        call: Callable[..., Any],
        *args: Any,
        publishers: Iterable[PublisherRoute] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.call = call
        self.publishers = tuple(publishers)


class Declares(Protocol):
    """A broker or router's two decorators, as routes use them."""

    def subscriber(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]: ...

    def publisher(self, *args: Any, **kwargs: Any) -> Any: ...


def declare_routes(registry: Declares, routes: Iterable[SubscriberRoute]) -> None:
    """Declare each route on ``registry``: its publishers, then its subscriber."""
    for route in routes:
        call: Any = route.call
        for pub in route.publishers:
            call = registry.publisher(*pub.args, **pub.kwargs)(call)
        registry.subscriber(*route.args, **route.kwargs)(call)

"""FastStream 0.5's declarative forms: routes given to a router's ``handlers=``.

``<B>Route(handler, <destination>, ..., publishers=(<B>Publisher(...), ...))``
holds what ``@router.subscriber(...)`` and ``@router.publisher(...)`` would be
given; a router made with ``handlers=[...]`` declares each route as those
decorators would, in order, at construction. Nothing here runs per message.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, get_args, get_origin, get_type_hints

import typing_extensions


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


def _annotations(typed: Any) -> dict[str, Any]:
    try:
        return get_type_hints(typed, include_extras=True)
    except Exception:  # names imported for type checking only: as written
        return {
            name: getattr(annotation, "__forward_arg__", annotation)
            for name, annotation in typed.__annotations__.items()
        }


#: ``Unpack`` as ``typing`` and ``typing_extensions`` spell it (distinct objects on 3.11).
_UNPACK = (getattr(typing, "Unpack", None), typing_extensions.Unpack)


def signature_of(
    declare: Callable[..., Any],
    *,
    route: bool,
    defaults: Mapping[str, Any] | None = None,
    extra: Any = None,
) -> inspect.Signature:
    """What a ``<B>Route`` (``route``) or ``<B>Publisher`` takes, for ``help()`` and IDEs:
    ``declare``'s (the broker's ``subscriber`` / ``publisher``) parameters, its
    ``**options: Unpack[...]`` spelled out (``defaults`` by name, else ``None``), after
    the handler for a route and before its ``publishers=``. A plain ``**options`` is
    kept, after the keys of the ``extra`` TypedDict it also takes."""
    try:
        hints = get_type_hints(declare, include_extras=True)
    except Exception:  # unresolvable: the annotations as written
        hints = {}
    out: list[inspect.Parameter] = []
    if route:
        out.append(inspect.Parameter("call", inspect.Parameter.POSITIONAL_ONLY))
    tail: list[inspect.Parameter] = []
    for p in list(inspect.signature(declare).parameters.values())[1:]:  # after ``self``
        hint = hints.get(p.name, p.annotation)
        if p.kind is p.VAR_KEYWORD and (get_origin(hint) in _UNPACK or extra is not None):
            unpacked = get_origin(hint) in _UNPACK
            (options,) = get_args(hint) if unpacked else (extra,)
            if not unpacked:
                tail.append(p.replace(annotation=hint))
            for name, annotation in _annotations(options).items():
                if any(q.name == name for q in out):
                    continue
                default = (defaults or {}).get(name)
                tail.append(
                    inspect.Parameter(name, p.KEYWORD_ONLY, default=default, annotation=annotation)
                )
            continue
        (tail if p.kind is p.VAR_KEYWORD else out).append(p.replace(annotation=hint))
    if route:
        out.append(
            inspect.Parameter(
                "publishers",
                inspect.Parameter.KEYWORD_ONLY,
                default=(),
                annotation=Iterable[PublisherRoute],
            )
        )
    out += [p for p in tail if p.kind is not p.VAR_KEYWORD] + [
        p for p in tail if p.kind is p.VAR_KEYWORD
    ]
    return inspect.Signature(out, return_annotation=inspect.Signature.empty)


#: What ``publisher(...)``'s options default to when left out.
_PUBLISHER_DEFAULTS = {"include_in_schema": True, "middlewares": ()}


def describe_routes(
    route: type[SubscriberRoute], publisher: type[PublisherRoute], declarations: type[Any]
) -> None:
    """Give a broker package's ``<B>Route`` and ``<B>Publisher`` the signatures of its
    ``subscriber`` and ``publisher`` (``help(RedisRoute)`` shows ``channel``, ``list``...)."""
    from .options import SubscriberConfig, SubscriberOptions

    config = SubscriberConfig()
    defaults = {f: getattr(config, f) for f in config.__dataclass_fields__}
    defaults["include_in_schema"] = True
    route.__signature__ = signature_of(  # type: ignore[attr-defined]
        declarations.subscriber, route=True, defaults=defaults, extra=SubscriberOptions
    )
    publisher.__signature__ = signature_of(  # type: ignore[attr-defined]
        declarations.publisher, route=False, defaults=_PUBLISHER_DEFAULTS
    )

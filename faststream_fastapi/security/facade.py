"""The constructor every broker class shares: what all brokers take, declared once.

A broker class states its address's default (``default_address``; the keyword
is its descriptor's ``address_keyword``: ``servers``, ``url``, ...), its
transport class and the keywords its client library takes (``client_keywords``,
read from the library's own signatures at import, so a new release's keywords
come along). :meth:`FacadeBroker.__init__` takes the options every broker
takes, refuses a keyword nobody knows with a ``TypeError`` naming the class,
and builds the transport (:func:`~.clients.init_broker`). Each class's
``__signature__`` spells all of that out, so ``help()`` and ``inspect.signature``
show its real parameters.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from types import EllipsisType
from typing import Any, ClassVar

from fastapi import params

from ..core import legacy
from ..core.base_middleware import AnyMiddleware
from ..core.broker import Broker
from ..core.custom import CustomDecoder, CustomParser
from ..core.options import BrokerConfig
from ..core.transport import Transport
from .clients import build_transport, init_broker
from .objects import BaseSecurity

_KEYWORD = inspect.Parameter.KEYWORD_ONLY

Factory = Callable[..., Transport[Any]]

#: FastStream 0.5's keywords a broker accepts and does not hand to its client (``legacy.py``).
_LEGACY = (
    inspect.Parameter("description", _KEYWORD, default=None, annotation="str | None"),
    inspect.Parameter("apply_types", _KEYWORD, default=True, annotation="bool"),
    inspect.Parameter("validate", _KEYWORD, default=True, annotation="bool"),
)


#: Whom a refused keyword is reported against: the broker class, or the router building it.
_owner: ContextVar[str | None] = ContextVar("faststream_fastapi_keyword_owner", default=None)


@contextlib.contextmanager
def built_for(owner: str) -> Iterator[None]:
    """Brokers built meanwhile name ``owner`` (a router) in the keywords they refuse."""
    token = _owner.set(owner)
    try:
        yield
    finally:
        _owner.reset(token)


def keywords_of(
    *functions: Callable[..., Any], skip: Iterable[str] = ()
) -> tuple[inspect.Parameter, ...]:
    """The keyword parameters of ``functions`` (the first one's where two share a name),
    as keyword-only parameters; ``self``, ``*args``/``**kwargs`` and ``skip`` left out."""
    left_out = {"self", *skip}
    found: dict[str, inspect.Parameter] = {}
    for function in functions:
        for p in inspect.signature(function).parameters.values():
            named = p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            if named and p.name not in left_out and p.name not in found:
                found[p.name] = p.replace(kind=_KEYWORD)
    return tuple(found.values())


def own(name: str, default: Any, annotation: str) -> inspect.Parameter:
    """A keyword the broker itself takes besides its client's (``prefetch_count``, ...)."""
    return inspect.Parameter(name, _KEYWORD, default=default, annotation=annotation)


class FacadeBroker(Broker, abstract=True):
    """A broker class built on a client library: its constructor, once for all."""

    #: The address when none is given.
    default_address: ClassVar[Any]
    #: Builds the transport: ``transport_class(url, **client_options)``.
    transport_class: ClassVar[Factory]
    #: What the client library (and the broker itself) takes besides the address.
    client_keywords: ClassVar[tuple[inspect.Parameter, ...]] = ()
    #: Whether any other keyword goes to the client unchecked (librdkafka's open
    #: configuration); otherwise such a keyword is a ``TypeError``.
    open_keywords: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in vars(cls):  # a subclass with a constructor of its own shows that
            cls.__signature__ = None  # type: ignore[attr-defined]
        elif hasattr(cls, "default_address") and hasattr(cls, "descriptor"):
            cls.__signature__ = _signature(cls)  # type: ignore[attr-defined]

    def __init__(
        self,
        address: Any = None,
        *,
        dependencies: Sequence[params.Depends] = (),
        middlewares: Sequence[AnyMiddleware] = (),
        graceful_timeout: float = 15.0,
        request_timeout: float = 10.0,
        max_message_bytes: int | None = None,
        logger: logging.Logger | EllipsisType | None = ...,
        log_level: int | None = None,
        security: BaseSecurity | None = None,
        parser: CustomParser | None = None,
        decoder: CustomDecoder | None = None,
        **client_options: Any,
    ) -> None:
        cls = type(self)
        keyword = cls.descriptor.protocol.address_keyword
        if keyword in client_options:  # ``NatsBroker(servers=...)``
            if address is not None:
                raise TypeError(f"{cls.__name__}() got multiple values for {keyword!r}")
            address = client_options.pop(keyword)
        _refuse_unknown(cls, client_options)
        config = BrokerConfig(
            dependencies,
            middlewares,
            graceful_timeout,
            request_timeout,
            max_message_bytes,
            logger,
            log_level,
            parser,
            decoder,
        )
        address = cls.default_address if address is None else address
        #: What ``connect(address, **options)`` starts from (FastStream 0.5's form).
        self._given: tuple[Any, dict[str, Any]] = (address, dict(client_options))
        address, make = self._client(address, client_options)
        self._built(init_broker(self, address, client_options, security, config, make))

    async def connect(self, *args: Any, **kwargs: Any) -> Any:
        """Connect and return the client library's connection; ``connect(url,
        security=..., **options)``, as in FastStream 0.5, first replaces the address,
        security and client options given to the constructor (not once connected,
        nor under a test broker, where they mean nothing)."""
        if args or kwargs:
            security = kwargs.pop("security", self.security)
            given = self._connect_arguments(args, kwargs)  # a mistake raises in any case
            if not self.connected and not self.under_test:
                self._reconfigure(*given, security)
        return await super().connect()

    def _connect_arguments(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, dict[str, Any]]:
        """``connect()``'s address and client options over the constructor's."""
        cls, (address, options) = type(self), self._given
        keyword = cls.descriptor.protocol.address_keyword
        if len(args) > 1:
            raise TypeError(f"{cls.__name__}.connect() takes one address, not {len(args)}")
        if args and keyword in kwargs:
            raise TypeError(f"{cls.__name__}.connect() got multiple values for {keyword!r}")
        address = args[0] if args else kwargs.pop(keyword, address)
        _refuse_unknown(cls, kwargs)
        return address, {**options, **kwargs}

    def _reconfigure(self, address: Any, options: dict[str, Any], security: Any) -> None:
        self._given = (address, dict(options))
        address, make = self._client(address, options)
        transport, warning, attributes = build_transport(self, address, options, security, make)
        self.security = security
        self._transport, self._credentials_warning = transport, warning
        for name, value in attributes.items():
            setattr(self, name, value)
        self._built(transport)

    @classmethod
    def check_open_keywords(cls, owner: str, options: Mapping[str, Any]) -> None:
        """With ``open_keywords``: refuse, naming ``owner``, what the client's open
        configuration does not take (``options`` are the keywords not named)."""

    def _client(self, address: Any, options: dict[str, Any]) -> tuple[Any, Factory]:
        """The address the client gets, and what builds the transport from it; takes
        the broker's own keywords out of ``options``."""
        setattr(self, self.descriptor.protocol.address_keyword, address)
        return address, type(self).transport_class

    def _built(self, transport: Any) -> None:
        """Called with the transport once it is built."""


def _refuse_unknown(cls: type[FacadeBroker], options: Mapping[str, Any]) -> None:
    known = {p.name for p in cls.client_keywords}
    owner = _owner.get() or cls.__name__
    if cls.open_keywords:
        unnamed = {k: v for k, v in options.items() if k not in known and k not in legacy.KNOWN}
        if unnamed:
            cls.check_open_keywords(owner, unnamed)
        return
    for key in options:
        if key not in known and key not in legacy.KNOWN:
            raise TypeError(f"{owner}() got an unexpected keyword argument {key!r}")


def _signature(cls: type[FacadeBroker]) -> inspect.Signature:
    """The address, every broker's keywords, then the class's client keywords."""
    shared = inspect.signature(FacadeBroker.__init__).parameters.values()
    address = inspect.Parameter(
        cls.descriptor.protocol.address_keyword,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        default=cls.default_address,
    )
    parameters = [address, *(p for p in shared if p.kind is _KEYWORD), *_LEGACY]
    names = {p.name for p in parameters}
    for p in cls.client_keywords:  # the first of a name: the broker's own before its client's
        if p.name not in names:
            names.add(p.name)
            parameters.append(p)
    if cls.open_keywords:
        # ``**properties``: ``config=`` is confluent's keyword for them as one mapping.
        parameters.append(inspect.Parameter("properties", inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(parameters, return_annotation=None)

"""What a security object means for a client library, decided at construction.

:func:`apply` turns a broker's URL, its client options and its ``security=``
object into the URL and options its transport gives the client library. The
mapping itself is the broker's (its descriptor's ``security``, written in its
own package: ``redis/security.py``, ...); here is what every mapping shares.
It refuses (``SetupError``) what the client cannot do and an option given both
ways; it also notes credentials that would travel readable, without TLS.
No mapping imports a client library it does not belong to: brokers whose extra
is not installed must not break the others. :func:`init_broker` is the part of
every facade's constructor that follows: the transport built from what
``apply`` returns, and the broker set up on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import parse_qsl, urlsplit

from ..core import legacy
from ..core.broker import Broker
from ..core.errors import SetupError
from ..core.transport import Transport
from .objects import BaseSecurity, SASLExternal

if TYPE_CHECKING:
    from ..core.descriptor import BrokerDescriptor
    from ..core.options import BrokerConfig


@dataclass
class Applied:
    """A broker's client settings once its security object is applied."""

    url: Any
    options: dict[str, Any]
    #: Credentials that travel readable (for the warning), if not over TLS.
    exposed: list[str] = field(default_factory=list)
    tls: bool = False

    @property
    def warning(self) -> str | None:
        if not self.exposed or self.tls:
            return None
        return (
            f"{' and '.join(self.exposed)} would be sent over a connection without TLS, "
            "readable by anyone on the network path; give the security object TLS "
            "(ssl_context=, ca_file= or use_ssl=True) or use a TLS URL"
        )


T = TypeVar("T", bound=Transport[Any])

#: A client's mapping: (its broker's descriptor, URL, options given, security) → its settings.
Mapper = Callable[["BrokerDescriptor", Any, dict[str, Any], "BaseSecurity | None"], Applied]


def _as_given(name: str) -> str:
    return name


@dataclass(frozen=True)
class ClientSecurity:
    """How one client library takes a security object."""

    map: Mapper
    #: An option's name as the client reads it, to find one given twice.
    option_key: Callable[[str], str] = _as_given


def apply(
    descriptor: BrokerDescriptor,
    url: Any,
    options: Mapping[str, Any],
    security: BaseSecurity | None,
) -> Applied:
    """The URL and options for the client of ``descriptor``'s broker."""
    broker = descriptor.name
    if security is not None and not isinstance(security, BaseSecurity):
        raise SetupError(
            f"{broker}: security= takes an object of faststream_fastapi.security, "
            f"not {type(security).__name__}"
        )
    client = cast(ClientSecurity, descriptor.security)
    applied = client.map(descriptor, url, dict(options), security)
    given = {client.option_key(k) for k in options}
    for key in applied.options:
        if client.option_key(key) in given:
            raise SetupError(
                f"{broker}: {key}= is set by security={type(security).__name__}; "
                "give it one way, not both"
            )
    applied.options = {**options, **applied.options}
    return applied


def refuse(broker: str, security: BaseSecurity, hint: str) -> SetupError:
    """The error for a security object ``broker``'s client cannot use."""
    return SetupError(f"{broker} cannot use {type(security).__name__}: {hint}")


def tls_only(security: BaseSecurity) -> bool:
    """TLS, possibly with a client certificate, and no other credential."""
    return type(security) is BaseSecurity or isinstance(security, SASLExternal)


def userinfo(url: str) -> tuple[str | None, str | None]:
    """The user and password a URL carries, if any."""
    try:
        parts = urlsplit(url if "://" in url else f"//{url}")
    except ValueError:
        return None, None
    if "@" not in parts.netloc:
        return None, None
    return parts.username, parts.password


def query_has(url: str, name: str) -> bool:
    """Whether the URL's query gives ``name`` a value."""
    return any(k == name and v for k, v in parse_qsl(urlsplit(url).query))


def init_broker(
    broker: Broker,
    address: Any,
    options: Mapping[str, Any],
    security: BaseSecurity | None,
    config: BrokerConfig,
    transport: Callable[..., T],
) -> T:
    """A facade's ``Broker.__init__``: ``security`` applied to ``address`` and the
    client ``options``, then ``transport(url, **options)`` built; returns it."""
    made, warning, attributes = build_transport(broker, address, options, security, transport)
    Broker.__init__(broker, made, config, security=security, credentials_warning=warning)
    for name, value in attributes.items():
        setattr(broker, name, value)
    return made


def build_transport(
    broker: Broker,
    address: Any,
    options: Mapping[str, Any],
    security: BaseSecurity | None,
    transport: Callable[..., T],
) -> tuple[T, str | None, dict[str, Any]]:
    """The transport for ``address`` and ``options`` with ``security`` applied, the
    credentials warning its URL earns, and the broker attributes among ``options``
    (FastStream 0.5's keywords the broker keeps)."""
    broker.descriptor.protocol.check_address(address, broker.descriptor.name)
    options, attributes = legacy.split(type(broker).__name__, options)
    client = apply(broker.descriptor, address, options, security)
    return transport(client.url, **client.options), client.warning, attributes

"""What a broker kind says about itself, so the shared layers need no list of brokers.

Each broker package defines one :class:`BrokerDescriptor` (``redis/descriptor.py``
holds ``REDIS``) and its broker and router classes carry it as their
``descriptor``. AsyncAPI servers, ``security=`` mapping, metric labels and
span attributes read it; a broker class without one is refused when it is
defined (:func:`require_descriptor`), so a new broker cannot go unnamed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from .errors import SetupError


class SecurityMapping(Protocol):
    """How a client library takes ``security=`` objects (``security/clients.py``
    defines the implementation; core only names its shape, to stay below it)."""

    @property
    def map(self) -> Callable[..., Any]: ...

    @property
    def option_key(self) -> Callable[[str], str]: ...


@dataclass(frozen=True)
class WireProtocol:
    """A broker's protocol, as AsyncAPI servers show it."""

    #: The protocol: ``"redis"``, ``"amqp"``, ``"nats"``, ``"kafka"``.
    name: str
    #: Its TLS form, as a URL scheme: ``"rediss"``, ``"amqps"``, ``"tls"``.
    tls: str
    #: The port a server address without one means.
    default_port: int
    #: The version worth stating (AMQP's ``"0.9.1"``).
    version: str | None = None
    #: Whether a server keeps its URL's scheme as its protocol; if not, a URL with
    #: another scheme (Kafka's ``PLAINTEXT://``, or none) says ``name``.
    keeps_url_scheme: bool = True
    #: Whether a URL's path names a virtual host (AMQP), which bindings state.
    vhost_in_path: bool = False

    #: Other URL schemes its client takes (NATS's ``ws``, Kafka's ``SASL_SSL``).
    also_accepts: tuple[str, ...] = ()
    #: The keyword a broker takes its address(es) by, as errors name it.
    address_keyword: str = "url"

    def owns(self, scheme: str) -> bool:
        """Whether ``scheme`` is this protocol, plain or over TLS."""
        return scheme == self.name or scheme == self.tls

    def check_address(self, address: Any, broker: str) -> None:
        """Refuse an address whose ``scheme://`` is not this protocol's
        (``RedisRouter("nats://...")``); one without a scheme is left to the client."""
        many = address.split(",") if isinstance(address, str) else address
        for one in many if isinstance(many, list | tuple) else ():
            scheme, found, _ = str(one).strip().partition("://")
            lowered = scheme.lower()
            if found and not (self.owns(lowered) or lowered in self.also_accepts):
                known = ", ".join(f"{s}://" for s in (self.name, self.tls, *self.also_accepts))
                raise SetupError(
                    f"{broker}: {self.address_keyword}={one!r} has the scheme {scheme}://,"
                    f" which is not {self.name}'s; use one of {known}"
                )


@dataclass(frozen=True)
class BrokerDescriptor:
    """One broker kind: how it is named, documented, labelled and secured."""

    #: How errors name the broker: ``"RedisBroker"``, ``"KafkaBroker (confluent)"``.
    name: str
    protocol: WireProtocol
    #: How ``security=`` objects map onto its client library's options.
    security: SecurityMapping
    #: The ``broker`` label of metrics (``"rabbit"``, ``"confluent"``); by default
    #: the protocol's name.
    label: str = ""
    #: OpenTelemetry's ``messaging.system`` (``"rabbitmq"``); by default the protocol's name.
    system: str = ""
    #: For a subscriber's spec: how to share its messages among processes when the
    #: broker gives each consuming process its own copy (a Redis channel, a NATS
    #: subject without a queue group, ...); ``None`` when they share already.
    fan_out_fix: Callable[[Any], str | None] = lambda spec: None

    def __post_init__(self) -> None:
        for unset in ("label", "system"):
            if not getattr(self, unset):
                object.__setattr__(self, unset, self.protocol.name)


def descriptor_of(owner: Any) -> BrokerDescriptor | None:
    """The descriptor of a broker's or router's kind; ``None`` for the bare core classes."""
    descriptor = getattr(type(owner), "descriptor", None)
    return descriptor if isinstance(descriptor, BrokerDescriptor) else None


def require_descriptor(cls: type) -> None:
    """Refuse a broker class that does not say what it is."""
    if not isinstance(getattr(cls, "descriptor", None), BrokerDescriptor):
        raise TypeError(
            f"{cls.__module__}.{cls.__qualname__} has no broker descriptor: give it "
            "`descriptor = <a core.descriptor.BrokerDescriptor>`, which AsyncAPI, "
            "metrics, traces and security= read (see redis/descriptor.py)"
        )

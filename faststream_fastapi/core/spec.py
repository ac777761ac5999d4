"""What every subscription and destination spec offers, whatever its broker.

A spec is a frozen value a facade builds from a decorator's arguments: its
``name``, a copy under a prefix (``with_prefix``), and what the AsyncAPI
document says about it (``asyncapi_channels``). The document reads only that,
so it needs no list of brokers or spec classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import Any, ClassVar, Protocol

from typing_extensions import Self

#: The ``bindingVersion`` of bindings AsyncAPI has no official schema for.
CUSTOM_VERSION = "custom"


@dataclass
class Bindings:
    """Bindings of one channel, its operation and its message, by protocol."""

    channel: dict[str, Any] = field(default_factory=dict)
    operation: dict[str, Any] = field(default_factory=dict)
    message: dict[str, Any] = field(default_factory=dict)


#: One AsyncAPI channel of a spec: its address and bindings.
Channel = tuple[str, Bindings]
Channels = list[Channel]


class DescribedSpec(Protocol):
    """A spec that names itself, takes a prefix and describes its channels."""

    @property
    def name(self) -> str: ...

    def with_prefix(self, prefix: str) -> Self: ...

    def asyncapi_channels(self, *, receive: bool, vhost: str | None = None) -> Channels:
        """The channels the spec stands for, as a subscriber's (``receive``) or a
        publisher's; ``vhost`` is the AMQP virtual host of the broker's URL."""
        ...


@dataclass(frozen=True)
class NamedSpec:
    """A spec whose name is one of its fields, ``named_by``; a prefix goes before it."""

    named_by: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # ``name`` is read per publish: a C-level getter, no Python frame.
        cls.name = property(attrgetter(cls.named_by))  # type: ignore[assignment,method-assign]

    @property
    def name(self) -> str:
        """The field ``named_by`` names (each subclass reads it directly)."""
        return str(getattr(self, self.named_by))

    def with_prefix(self, prefix: str) -> Self:
        return replace(self, **{self.named_by: prefix + self.name})

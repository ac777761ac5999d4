"""What every broker's ``subscriber()`` takes besides its destination, declared once.

``SubscriberOptions`` types the keywords (``**options: Unpack[SubscriberOptions]``),
so an IDE shows them; ``SubscriberConfig`` is the same set as one frozen value,
checked once, which a facade passes whole to the subscriber it creates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, TypedDict

from fastapi import params

from .ack import AckPolicy
from .errors import SetupError

if TYPE_CHECKING:
    from .middleware import Middleware
    from .publisher import Publisher


class SubscriberOptions(TypedDict, total=False):
    """The keywords of ``SubscriberConfig``, for ``Unpack`` in facade signatures."""

    dependencies: Sequence[params.Depends]
    middlewares: Sequence[Middleware]
    ack_policy: AckPolicy | None
    no_reply: bool
    title: str | None
    description: str | None
    max_retries: int | None
    retry_delay: float
    dead_letter: Publisher | None
    max_message_bytes: int | None


@dataclass(frozen=True, slots=True)
class SubscriberConfig:
    """A subscriber's options; ``ack_policy=None`` means the broker's default."""

    dependencies: tuple[params.Depends, ...] = ()
    middlewares: tuple[Middleware, ...] = ()
    ack_policy: AckPolicy | None = None
    no_reply: bool = False
    title: str | None = None
    description: str | None = None
    max_retries: int | None = None
    retry_delay: float = 0.0
    dead_letter: Publisher | None = None
    max_message_bytes: int | None = None

    def __post_init__(self) -> None:
        # Sequences given by the user become tuples: the value stays immutable.
        object.__setattr__(self, "dependencies", tuple(self.dependencies))
        object.__setattr__(self, "middlewares", tuple(self.middlewares))
        if self.max_message_bytes is not None and self.max_message_bytes <= 0:
            raise SetupError(f"max_message_bytes must be positive, not {self.max_message_bytes!r}")
        if self.max_retries is not None and self.max_retries < 0:
            raise SetupError(f"max_retries must be 0 or more, not {self.max_retries!r}")
        if self.retry_delay < 0:
            raise SetupError(f"retry_delay must be 0 or more seconds, not {self.retry_delay!r}")

    @classmethod
    def of(cls, options: Mapping[str, Any], *, where: str = "subscriber()") -> SubscriberConfig:
        """The config of ``options``; an unknown keyword is a ``TypeError`` naming it."""
        unknown = sorted(set(options) - _NAMES)
        if unknown:
            raise TypeError(f"{where} got an unexpected keyword argument {unknown[0]!r}")
        return cls(**options)


_NAMES = frozenset(f.name for f in fields(SubscriberConfig))

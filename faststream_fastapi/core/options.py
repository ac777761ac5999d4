"""What every broker and every ``subscriber()`` take besides their addresses, declared once.

``SubscriberOptions`` types the keywords (``**options: Unpack[SubscriberOptions]``),
so an IDE shows them; ``SubscriberConfig`` is the same set as one frozen value,
checked once, which a facade passes whole to the subscriber it creates.
``BrokerOptions`` and ``BrokerConfig`` are the same pair for a broker's own options;
``PublisherOptions``, ``PublishOptions`` and ``RequestOptions`` type the keywords every
broker's ``publisher()``, ``publish()`` and ``request()`` share.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from types import EllipsisType
from typing import Any, TypedDict

from fastapi import params

from .ack import AckPolicy
from .base_middleware import AnyMiddleware, as_middleware
from .custom import CustomDecoder, CustomParser, Filter, legacy_settlement
from .errors import SetupError
from .middleware import Middleware
from .ports import Outlet


class SubscriberOptions(TypedDict, total=False):
    """The keywords of ``SubscriberConfig``, for ``Unpack`` in facade signatures."""

    dependencies: Sequence[params.Depends]
    middlewares: Sequence[AnyMiddleware]
    ack_policy: AckPolicy | None
    no_reply: bool
    title: str | None
    description: str | None
    max_retries: int | None
    retry_delay: float
    dead_letter: Outlet | None
    max_message_bytes: int | None
    max_workers: int
    filter: Filter | None
    parser: CustomParser | None
    decoder: CustomDecoder | None
    no_ack: bool
    retry: bool | int
    include_in_schema: bool


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
    dead_letter: Outlet | None = None
    max_message_bytes: int | None = None
    max_workers: int = 1
    #: FastStream 0.5's keywords (``custom.py``): ``no_ack`` and ``retry`` become
    #: ``ack_policy`` and ``max_retries`` here, in ``__post_init__``.
    filter: Filter | None = None
    parser: CustomParser | None = None
    decoder: CustomDecoder | None = None
    no_ack: bool = False
    retry: bool | int = False
    #: ``False`` leaves the subscriber out of the AsyncAPI document.
    include_in_schema: bool = True

    def __post_init__(self) -> None:
        # Sequences given by the user become tuples: the value stays immutable.
        object.__setattr__(self, "dependencies", tuple(self.dependencies))
        object.__setattr__(self, "middlewares", tuple(map(as_middleware, self.middlewares)))
        legacy = legacy_settlement(self.no_ack, self.retry, self.ack_policy, self.max_retries)
        for name, value in legacy.items():
            object.__setattr__(self, name, value)
        _check_size(self.max_message_bytes)
        if self.max_retries is not None and self.max_retries < 0:
            raise SetupError(f"max_retries must be 0 or more, not {self.max_retries!r}")
        if self.retry_delay < 0:
            raise SetupError(f"retry_delay must be 0 or more seconds, not {self.retry_delay!r}")
        if self.max_workers < 1:
            raise SetupError(f"max_workers must be 1 or more, not {self.max_workers!r}")

    @classmethod
    def of(cls, options: Mapping[str, Any], *, where: str = "subscriber()") -> SubscriberConfig:
        """The config of ``options``; an unknown keyword is a ``TypeError`` naming it."""
        unknown = sorted(set(options) - _NAMES)
        if unknown:
            raise TypeError(f"{where} got an unexpected keyword argument {unknown[0]!r}")
        return cls(**options)


_NAMES = frozenset(f.name for f in fields(SubscriberConfig))


class SharedBrokerOptions(TypedDict, total=False):
    """``BrokerOptions`` but ``dependencies``: what a ``StreamRouter`` takes alike."""

    middlewares: Sequence[AnyMiddleware]
    graceful_timeout: float
    request_timeout: float
    max_message_bytes: int | None
    logger: logging.Logger | EllipsisType | None
    log_level: int | None
    parser: CustomParser | None
    decoder: CustomDecoder | None


class BrokerOptions(SharedBrokerOptions, total=False):
    """The keywords of ``BrokerConfig``, for ``Unpack`` in signatures."""

    dependencies: Sequence[params.Depends]


@dataclass(frozen=True, slots=True)
class BrokerConfig:
    """A broker's own options, whatever its client library.

    ``logger=...`` means the library's logger; ``None`` turns logging off.
    ``max_message_bytes`` is the default limit of every subscriber (``None``: none).
    """

    dependencies: Sequence[params.Depends] = ()
    middlewares: Sequence[AnyMiddleware] = ()
    graceful_timeout: float = 15.0
    request_timeout: float = 10.0
    max_message_bytes: int | None = None
    logger: logging.Logger | EllipsisType | None = ...
    #: The level of the per-message ``Received`` / ``Processed`` lines; ``None``:
    #: ``INFO`` on the library's logger, none on a given one (see ``pipeline``).
    log_level: int | None = None
    #: FastStream 0.5's broker-wide ``parser=``/``decoder=``: of every subscriber
    #: that has none of its own (``custom.py``).
    parser: CustomParser | None = None
    decoder: CustomDecoder | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "dependencies", tuple(self.dependencies))
        object.__setattr__(self, "middlewares", tuple(map(as_middleware, self.middlewares)))
        _check_size(self.max_message_bytes)


def _check_size(max_message_bytes: int | None) -> None:
    if max_message_bytes is not None and max_message_bytes <= 0:
        raise SetupError(f"max_message_bytes must be positive, not {max_message_bytes!r}")


class PublisherOptions(TypedDict, total=False):
    """What every broker's ``publisher()`` takes besides its destination."""

    headers: Mapping[str, str] | None
    title: str | None
    description: str | None
    schema: Any
    include_in_schema: bool
    middlewares: Sequence[AnyMiddleware]


class PublishOptions(TypedDict, total=False):
    """What every broker's ``publish()`` takes besides the message and its destination.

    ``rpc=True`` is FastStream 0.5's request: wait up to ``rpc_timeout`` seconds for
    the reply and return its decoded body (``None`` on timeout, unless ``raise_timeout``).
    """

    headers: Mapping[str, str] | None
    correlation_id: str | None
    reply_to: str | None
    rpc: bool
    rpc_timeout: float | None
    raise_timeout: bool


class RequestOptions(TypedDict, total=False):
    """What every broker's ``request()`` takes besides the message and its destination."""

    headers: Mapping[str, str] | None
    correlation_id: str | None
    timeout: float | None

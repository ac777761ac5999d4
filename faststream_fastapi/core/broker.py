"""The broker: a registry with a transport, as facades build it.

``Registry`` (``registry.py``) holds what decorators declare; ``Sending``
(``sending.py``) publishes, replies and requests; ``Lifecycle``
(``lifecycle.py``) connects, consumes, retries and closes. A broker included
into another gives its subscribers and publishers to the outer one, once,
and from then on publishes through the outer broker's connection.
"""

from __future__ import annotations

from typing import Any, TypeVar

from typing_extensions import Unpack

from .descriptor import require_descriptor
from .lifecycle import Lifecycle
from .logs import library_logger as default_logger
from .options import BrokerConfig, BrokerOptions
from .registry import Registry
from .sending import new_id
from .transport import Transport

__all__ = ["Broker", "BrokerConfig", "Registry", "default_logger", "new_id"]

B = TypeVar("B", bound="Broker")


class Broker(Lifecycle):
    """A registry with a transport: connects, consumes, publishes.

    Options come as one ``config`` (what facades pass) or as keywords.
    """

    #: Lets a handler ask for the broker by a bare type hint.
    __faststream_broker__ = True
    #: The ``security=`` object the facade mapped onto its client (AsyncAPI shows its type).
    security: Any = None

    def __init_subclass__(cls, *, abstract: bool = False, **kwargs: Any) -> None:
        """A broker class names its kind (``descriptor``) unless ``abstract=True``."""
        super().__init_subclass__(**kwargs)
        if not abstract:
            require_descriptor(cls)

    def __init__(
        self,
        transport: Transport,
        config: BrokerConfig | None = None,
        *,
        security: Any = None,
        credentials_warning: str | None = None,
        **options: Unpack[BrokerOptions],
    ) -> None:
        if config is None:
            config = BrokerConfig(**options)
        elif options:
            raise TypeError(f"give config or {sorted(options)[0]}=, not both")
        super().__init__(transport, config)
        self.security = security
        self._credentials_warning = credentials_warning

    async def __aenter__(self: B) -> B:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

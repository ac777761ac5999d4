"""``ReplyConfig``: how a RabbitMQ subscriber publishes its replies (FastStream 0.5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.errors import SetupError


@dataclass(frozen=True)
class ReplyConfig:
    """Delivery options of a subscriber's replies: ``reply_config=ReplyConfig(persist=True)``.

    ``mandatory`` (the default, as in FastStream 0.5): a reply no queue takes is
    returned by RabbitMQ and fails the handler's message. ``persist``: the reply
    survives a broker restart on a durable queue. ``immediate`` is accepted but
    must stay ``False``: RabbitMQ (3.0 on) closes the connection of a publish
    that sets it. FastStream deprecated ``reply_config=`` in 0.5.16; it works here.
    """

    mandatory: bool = True
    immediate: bool = False
    persist: bool = False

    def __post_init__(self) -> None:
        if self.immediate:
            raise SetupError(
                "ReplyConfig(immediate=True): RabbitMQ 3.0 and later do not implement "
                "the immediate flag (the server closes the connection)"
            )

    def to_dict(self) -> dict[str, bool]:
        return {"mandatory": self.mandatory, "immediate": self.immediate, "persist": self.persist}

    def publish_options(self) -> dict[str, Any]:
        """What the reply's publish takes (``immediate``, always off, is not sent)."""
        return {"mandatory": self.mandatory, "persist": self.persist}

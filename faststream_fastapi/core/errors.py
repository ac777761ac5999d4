"""Exceptions the library raises, each saying what went wrong and where."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.exceptions import RequestValidationError


class FastStreamError(Exception):
    """Base class of this library's errors."""


class SetupError(FastStreamError, TypeError, ValueError):
    """A handler or option cannot work; raised at registration, not per message.

    Both a ``TypeError`` and (as FastStream 0.5's was) a ``ValueError``.
    """


class ContextKeyError(FastStreamError, KeyError):
    """``Context("name")`` names nothing known."""

    def __str__(self) -> str:
        return str(self.args[0])


class _Errors(list[dict[str, Any]]):
    """A list that is also callable, as ``RequestValidationError.errors()`` is."""

    def __call__(self) -> list[dict[str, Any]]:
        return self


class MessageValidationError(FastStreamError, ValueError, RequestValidationError):
    """A message failed validation; ``errors`` carry locations, never the input.

    Also a FastAPI ``RequestValidationError`` (as FastStream 0.5's was), so code
    catching that catches it; ``errors`` is then both a list and callable.
    """

    __str__ = BaseException.__str__

    def __init__(self, handler: str, errors: Sequence[Mapping[str, Any]]) -> None:
        self.handler = handler
        self.errors = self._errors = _Errors(  # type: ignore[method-assign]
            {"type": e.get("type"), "loc": tuple(e.get("loc") or ()), "msg": e.get("msg")}
            for e in errors
        )
        where = "; ".join(
            ".".join(str(p) for p in e["loc"]) + f": {e['msg']}" for e in self.errors[:5]
        )
        super().__init__(f"message for {handler} is invalid: {where}")


class MessageDecodeError(FastStreamError, ValueError):
    """The body could not be decoded (bad JSON, bad UTF-8, wrong shape)."""


class MessageTooLargeError(MessageDecodeError):
    """The body is larger than the subscriber's ``max_message_bytes``; never decoded."""


class PublishError(FastStreamError):
    """A publish failed: not connected, unroutable, refused or timed out."""

    #: The id the message carried where the broker de-duplicates by it (JetStream's
    #: ``Nats-Msg-Id``): publishing again with ``message_id=`` this id is safe.
    message_id: str | None = None


class NotConnectedError(PublishError):
    """The broker is not connected."""


class BrokerConnectionError(FastStreamError, ConnectionError):
    """The broker could not be reached (at start, or when publishing)."""


class RedactedError(FastStreamError):
    """Stands in for a client library's error whose text showed a credential.

    Its message is the original's type and text with the credential replaced
    by ``***``; its traceback is the original's.
    """


class InsecureCredentialsWarning(UserWarning):
    """A password or token is about to travel over a connection without TLS."""

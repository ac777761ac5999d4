"""Exceptions the library raises, each saying what went wrong and where."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fastapi.exceptions import RequestValidationError
from pydantic_core import PydanticCustomError, ValidationError


def _subclassable(base: type) -> bool:
    try:
        type("_Probe", (base,), {})
    except TypeError:
        return False
    return True


#: Whether pydantic's ``ValidationError`` can be subclassed (pydantic-core releases of
#: pydantic 2.10 and later): the message errors below are then pydantic's too.
PYDANTIC_SUBCLASS = _subclassable(ValidationError)


class _NotPydanticError(ValueError):
    """Stands for pydantic's ``ValidationError`` (a ``ValueError``) where it cannot be
    subclassed: its ``error_count()`` and ``json()`` all the same."""

    def error_count(self) -> int:
        return len(self.errors())  # type: ignore[attr-defined]

    def json(self, **_options: Any) -> str:
        return json.dumps(self.errors(), default=str)  # type: ignore[attr-defined]


if TYPE_CHECKING:
    _PydanticError = ValidationError
else:
    _PydanticError = ValidationError if PYDANTIC_SUBCLASS else _NotPydanticError


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
    """A list that is also callable, as ``RequestValidationError.errors()`` is (pydantic's
    ``include_url=``/``include_input=``... are taken: there is neither here)."""

    def __call__(self, **_options: Any) -> list[dict[str, Any]]:
        return self


class MessageValidationError(FastStreamError, _PydanticError, RequestValidationError):
    """A message failed validation; ``errors`` carry locations, never the input.

    Also a pydantic ``ValidationError`` (where pydantic lets it be subclassed: 2.10
    and later) and a FastAPI ``RequestValidationError`` (as FastStream 0.5's errors
    were, for plain brokers and for its FastAPI plugin), so code catching either
    catches it; ``errors`` is then both a list and callable.
    """

    __str__ = BaseException.__str__
    __repr__ = BaseException.__repr__

    def __new__(cls, handler: str, errors: Sequence[Any], *rest: Any) -> MessageValidationError:
        if not PYDANTIC_SUBCLASS:
            return Exception.__new__(cls, handler, errors)
        if rest:  # pydantic's own construction, from ``from_exception_data`` below
            return super().__new__(cls, handler, errors, *rest)
        line = [
            {
                "type": PydanticCustomError(
                    str(e.get("type") or "value_error"), e.get("msg") or ""
                ),
                "loc": tuple(e.get("loc") or ()),
                "input": None,
            }
            for e in errors
        ]
        return cls.from_exception_data(handler, line, hide_input=True)  # type: ignore[arg-type]

    def __init__(self, handler: str, errors: Sequence[Any], *rest: Any) -> None:
        if rest:
            return
        self.handler = handler
        located = _Errors(
            {"type": e.get("type"), "loc": tuple(e.get("loc") or ()), "msg": e.get("msg")}
            for e in errors
        )
        self.errors = self._errors = located  # type: ignore[method-assign,assignment]
        where = "; ".join(".".join(str(p) for p in e["loc"]) + f": {e['msg']}" for e in located[:5])
        Exception.__init__(self, f"message for {handler} is invalid: {where}")


class MessageDecodeError(FastStreamError, ValueError):
    """The body could not be decoded (bad JSON, bad UTF-8, wrong shape)."""


class MessageNotJSONError(MessageDecodeError, MessageValidationError):
    """A body that is not JSON reached parameters that need an object or a list.

    A decoding error, and also a validation error, as FastStream 0.5 raised a
    pydantic ``ValidationError`` for such a body (``"wrong message"`` for a model).
    """

    __str__ = BaseException.__str__

    def __init__(self, handler: str, errors: Sequence[Any], *rest: Any) -> None:
        super().__init__(handler, errors, *rest)
        if not rest:
            Exception.__init__(self, f"message for {handler}: {errors[0]['msg']}")


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

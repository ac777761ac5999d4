"""Validation of what a message carries: the body, the headers, the path parts."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import pydantic_core
from fastapi import params
from pydantic import BaseModel, Field, TypeAdapter, ValidationError, create_model
from pydantic.fields import FieldInfo

from .. import codec
from ..errors import MessageDecodeError, MessageNotJSONError, MessageValidationError
from ..fastapi_compat import Param
from ..message import StreamMessage


class FieldGroup:
    """Validates one source (body, headers or path) for all fields at once."""

    def __init__(self, source: str, fields: Sequence[Param], handler: str) -> None:
        self.source = source
        self.handler = handler
        self.names = [f.name for f in fields]
        #: The keys the model reads, by field name.
        self.keys: dict[str, str] = {}
        self.model: type[BaseModel] | None = None
        if fields:
            definitions: dict[str, Any] = {}
            for f in fields:
                info: FieldInfo = f.field_info
                key = f.alias.lower() if source == "headers" else f.alias
                annotation = annotated(info)
                default = ... if info.is_required() else info.get_default(call_default_factory=True)
                definitions[f.name] = (annotation, Field(default, alias=key))
                self.keys[f.name] = key
            self.model = create_model(f"{handler}_{source}", **definitions)

    def validate(self, raw: Mapping[str, Any], into: dict[str, Any]) -> None:
        if self.model is None:
            return
        try:
            obj = self.model.model_validate(raw)
        except ValidationError as exc:
            raise _located(exc, self.source, self.handler) from None
        for name in self.names:
            into[name] = getattr(obj, name)


def annotated(info: FieldInfo) -> Any:
    """The field's type with its constraints (``Annotated[int, Gt(0)]``)."""
    if not info.metadata:
        return info.annotation
    return Annotated.__class_getitem__((info.annotation, *info.metadata))  # type: ignore[attr-defined]


def _located(exc: ValidationError, source: str, handler: str) -> MessageValidationError:
    errors: list[dict[str, Any]] = []
    for e in exc.errors(include_url=False, include_input=False):
        errors.append({**e, "loc": (source, *e["loc"])})
    return MessageValidationError(handler, errors)


class BodyReader:
    """Turns the body into the values of the body-taking parameters.

    One parameter takes the whole body, unless ``keyed``: then, as with several,
    the body is a JSON object whose keys fill the parameters by name.
    """

    def __init__(self, fields: Sequence[Param], handler: str, *, keyed: bool = False) -> None:
        self.handler = handler
        self.whole: str | None = None
        self.adapter: TypeAdapter[Any] | None = None
        self.raw_bytes = self.raw_text = False
        #: Unannotated (or ``Any``): an empty body is passed as it came, as in FastStream 0.5.
        self.untyped = False
        self.group: FieldGroup | None = None
        #: The handler's own body parameters in its signature's order: a list body
        #: fills them one item each, as FastStream 0.5 spread it (``CallPlan`` sets it).
        self.positional: list[str] = []
        #: A handler's ``*args``: the list items after ``positional`` (``starargs.py``).
        self.rest: str | None = None
        self.default: Any = None
        self.required = True
        embed = (
            len(fields) == 1
            and isinstance(fields[0].field_info, params.Body)
            and bool(getattr(fields[0].field_info, "embed", False))
        )
        if len(fields) == 1 and not embed and not keyed:
            f = fields[0]
            info: FieldInfo = f.field_info
            self.whole = f.name
            self.adapter = TypeAdapter(annotated(info))
            self.raw_bytes = info.annotation is bytes
            self.raw_text = info.annotation is str
            self.untyped = info.annotation in (Any, None) and not info.metadata
            self.required = info.is_required()
            if not self.required:
                self.default = info.get_default(call_default_factory=True)
        elif fields:
            self.group = FieldGroup("body", fields, handler)

    def read(self, message: StreamMessage, into: dict[str, Any]) -> None:
        body = message.body
        if self.whole is not None:
            into[self.whole] = self.read_message(message)
        elif self.group is not None and self.group.model is not None:
            if not body:
                raw: Any = {}
            else:
                raw = _decode(message)
                if isinstance(raw, list):
                    raw = self.spread(raw)
                if not isinstance(raw, dict):
                    _refuse_non_json(body, message.content_type, self.handler)
                    raise MessageDecodeError(
                        f"message for {self.handler} must be a JSON object "
                        f"with keys {', '.join(self.group.names)}"
                    )
            self.group.validate(raw, into)

    def read_decoded(self, message: StreamMessage, into: dict[str, Any]) -> None:
        """``read`` for a custom ``decoder=``: from the value it returned (any value,
        kept in ``message.decoded()``), not from the body's bytes."""
        value = message.decoded()
        if self.whole is not None:
            into[self.whole] = self.value_whole(value, message.content_type)
        elif self.group is not None and self.group.model is not None:
            if isinstance(value, list):
                value = self.spread(value)
            if not isinstance(value, Mapping):
                raise MessageDecodeError(
                    f"the decoder's value for {self.handler} must be a mapping "
                    f"with keys {', '.join(self.group.names)}"
                )
            self.group.validate(value, into)

    def spread(self, items: list[Any]) -> dict[str, Any] | list[Any]:
        """A list body as the handler's positional parameters' values, in order;
        the list as it is when the handler takes none that way."""
        assert self.group is not None
        if self.rest is not None:
            named = self.positional
            spread = dict(zip([self.group.keys[n] for n in named], items, strict=False))
            spread[self.group.keys[self.rest]] = items[len(named) :]
            return spread
        if not self.positional:
            return items
        if len(items) > len(self.positional):
            raise MessageDecodeError(
                f"message for {self.handler} is a list of {len(items)} items, for "
                f"{len(self.positional)} parameters ({', '.join(self.positional)})"
            )
        keys = [self.group.keys[name] for name in self.positional]
        return dict(zip(keys, items, strict=False))

    def value_whole(self, value: Any, content_type: str | None) -> Any:
        """The whole-body parameter from a decoded value; bytes are read as a body."""
        assert self.adapter is not None
        if isinstance(value, bytes):
            return self.read_whole(value, content_type)
        if self.untyped:
            return value  # as the decoder made it (a message, an object of its own...)
        try:
            return self.adapter.validate_python(value)
        except ValidationError as exc:
            raise _located(exc, "body", self.handler) from None

    def read_message(self, message: StreamMessage) -> Any:
        """The whole-body parameter from ``message``: from its body, or from its decoded
        value for a batch holding binary items (``codec.DECODED``)."""
        content_type = message.content_type
        if content_type == codec.DECODED:
            items = message.decoded()
            try:
                return self.value_whole(items, None)
            except MessageValidationError:
                # Binary items holding JSON (``model.model_dump_json().encode()``) reach
                # ``list[Model]`` as one such message reaches ``Model``.
                return self.value_whole([_from_json(item) for item in items], None)
        return self.read_whole(message.body, content_type)

    def read_whole(self, body: bytes, content_type: str | None) -> Any:
        assert self.adapter is not None
        if not body and not self.raw_bytes and not self.raw_text:
            if not self.required:
                return self.default
            if self.untyped:
                return "" if codec.is_text(content_type) else b""
            raise MessageValidationError(
                self.handler, [{"type": "missing", "loc": ("body",), "msg": "empty body"}]
            )
        try:
            if self.raw_bytes:
                return body
            if codec.is_json(content_type):
                # The core validator directly: TypeAdapter's wrapper costs a call.
                return self.adapter.validator.validate_json(body)
            if self.raw_text or codec.is_text(content_type):
                return self.adapter.validate_python(_text(body))
            if content_type is None:
                return self.adapter.validate_python(codec.decode(body, None))
            return self._from_bytes(body)
        except ValidationError as exc:
            if _is_json_syntax_error(exc):
                error = {"type": "json_invalid", "loc": ("body",), "msg": "body is not valid JSON"}
                raise MessageNotJSONError(self.handler, [error]) from None
            if not self.raw_bytes and not self.raw_text and _wants_structure(exc):
                _refuse_non_json(body, content_type, self.handler)
            raise _located(exc, "body", self.handler) from None

    def _from_bytes(self, body: bytes) -> Any:
        """Bytes of no declared format: as they are, or else as JSON (published
        ``model.model_dump_json().encode()`` reaches a model, as in FastStream 0.5)."""
        assert self.adapter is not None
        try:
            return self.adapter.validate_python(body)
        except ValidationError as exc:
            try:
                return self.adapter.validator.validate_json(body)
            except ValidationError:
                raise exc from None


def _refuse_non_json(body: bytes, content_type: str | None, handler: str) -> None:
    """An unlabelled, text or binary body that failed validation and is not JSON: say
    so (the JSON error names a position, never the payload), not which type it missed."""
    plain = content_type is None or content_type == codec.BINARY or codec.is_text(content_type)
    if not body or not plain:
        return
    try:
        pydantic_core.from_json(body)
    except ValueError as exc:
        error = {"type": "json_invalid", "loc": ("body",), "msg": f"body is not valid JSON: {exc}"}
        raise MessageNotJSONError(handler, [error]) from None


#: What pydantic says when the body as a whole is not an object or array: only then is
#: "not valid JSON" the useful message ("not a number" for an ``int`` is plain invalid).
_STRUCTURED = frozenset(
    {"dict_type", "model_type", "model_attributes_type", "dataclass_type", "list_type"}
)


def _wants_structure(exc: ValidationError) -> bool:
    return any(e["type"] in _STRUCTURED and not e["loc"] for e in exc.errors(include_input=False))


def _is_json_syntax_error(exc: ValidationError) -> bool:
    return any(e["type"] == "json_invalid" for e in exc.errors(include_input=False))


def _from_json(item: Any) -> Any:
    if isinstance(item, bytes):
        with contextlib.suppress(ValueError):
            return pydantic_core.from_json(item)
    return item


def _text(body: bytes) -> str:
    try:
        return body.decode()
    except UnicodeDecodeError:
        raise MessageDecodeError("text body is not valid UTF-8") from None


def _decode(message: StreamMessage) -> Any:
    try:
        return message.decoded()
    except codec.DecodeError as exc:
        raise MessageDecodeError(str(exc)) from None

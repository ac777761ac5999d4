"""JSON Schemas of message payloads and headers, generated in one pass.

Every payload and headers schema of a document becomes one field of a single
pydantic model, so one schema generation names all nested models consistently
(two different ``Item`` classes get distinct names) and their definitions land
in ``components.schemas``. Definition names are made safe for component keys
(``Page[Item]`` becomes ``Page_Item_``) and every ``$ref`` is rewritten to match.
"""

from __future__ import annotations

import re
import typing
import warnings
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import PydanticUndefined, core_schema

_SAFE = re.compile(r"[^A-Za-z0-9_.\-]")
_PREFIX = "#/$defs/"
COMPONENTS = "#/components/schemas/"


def safe_key(text: str) -> str:
    """A component or channel key: letters, digits, ``_``, ``.`` and ``-`` only."""
    return _SAFE.sub("_", text.replace("{", "").replace("}", "")) or "_"


def pascal(name: str) -> str:
    """``name``'s words run together, each capitalised (``orders_place``: ``OrdersPlace``)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name))


class _Lenient(GenerateJsonSchema):
    """Types pydantic cannot describe (arbitrary classes) become ``{}``, not errors."""

    def handle_invalid_for_json_schema(
        self, schema: core_schema.CoreSchema, error_info: str
    ) -> JsonSchemaValue:
        return {}


def _annotated(info: FieldInfo) -> Any:
    if not info.metadata:
        return info.annotation
    args = (info.annotation, *info.metadata)
    return Annotated.__class_getitem__(args)  # type: ignore[attr-defined]


def _field(info: FieldInfo, *, alias: str | None = None, title: str | None = None) -> Any:
    """A plain pydantic ``Field`` with what a schema shows of ``info``."""
    kwargs: dict[str, Any] = {}
    if info.default is not PydanticUndefined:
        kwargs["default"] = info.default
    elif info.default_factory is not None:
        kwargs["default_factory"] = info.default_factory
    for name in ("description", "examples", "json_schema_extra", "deprecated", "discriminator"):
        value = getattr(info, name, None)
        if value is not None:
            kwargs[name] = value
    if title or info.title:
        kwargs["title"] = title or info.title
    if alias:
        kwargs["alias"] = alias
    return Field(**kwargs)


class SchemaSet:
    """Collects payload and headers schemas, then renders them all at once."""

    def __init__(self) -> None:
        self._fields: dict[str, tuple[Any, Any]] = {}
        self._literal: dict[str, dict[str, Any]] = {}
        #: Titles of the models made here (payloads and headers of several parameters).
        self._own: set[str] = set()

    def _slot(self, annotation: Any, field: Any) -> str:
        slot = f"s{len(self._fields) + len(self._literal)}"
        self._fields[slot] = (annotation, field)
        return slot

    def literal(self, schema: dict[str, Any]) -> str:
        """A schema given as JSON Schema already (``publisher(schema={...})``)."""
        slot = f"s{len(self._fields) + len(self._literal)}"
        self._literal[slot] = schema
        return slot

    def body(
        self, fields: Sequence[Any], *, whole: bool, name: str, one: str | None = None
    ) -> str | None:
        """The payload of a handler's body parameters (FastAPI ``ModelField``\\ s).

        ``name`` is the payload's title, unless its one parameter has its own
        (or ``one`` is given for it).
        """
        if not fields:
            return None
        if whole:
            info: FieldInfo = fields[0].field_info
            return self._slot(_annotated(info), _field(info, title=info.title or one or name))
        model = self._model(name, fields)
        return self._slot(model, Field(title=name))

    def headers(self, fields: Sequence[Any], *, name: str) -> str | None:
        """An object schema of the ``Header()`` parameters, titled ``name``."""
        if not fields:
            return None
        return self._slot(self._model(name, fields), Field(title=name))

    def annotation(self, annotation: Any, *, title: str) -> str:
        """The payload of a Python type (a publisher's ``schema=`` or return annotation)."""
        return self._slot(annotation, Field(title=title))

    def _model(self, name: str, fields: Sequence[Any]) -> type[BaseModel]:
        self._own.add(name)
        definitions: dict[str, Any] = {}
        for f in fields:
            info: FieldInfo = f.field_info
            alias = str(f.alias or f.name)
            definitions[f.name] = (_annotated(info), _field(info, alias=alias))
        return create_model(name, **definitions)

    def render(self, *, safe_keys: bool = True) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
        """Each slot's schema, and the shared definitions (``components.schemas``).

        Definitions are keyed by their model's name, made a safe component key
        unless ``safe_keys`` is false (FastStream 0.5's 2.6 documents: ``/``
        only becomes ``.``).
        """
        out: dict[str, dict[str, Any]] = {k: _rewrite(v, {}) for k, v in self._literal.items()}
        if not self._fields:
            return out, {}
        try:
            properties, defs = _generate(self._fields)
        except Exception:
            # One type pydantic cannot handle at all: describe the others, it gets {}.
            properties, defs = {}, {}
            for slot, spec in self._fields.items():
                try:
                    one, one_defs = _generate({slot: spec})
                except Exception:
                    one, one_defs = {slot: {}}, {}
                properties.update(one)
                defs.update(one_defs)
        names: dict[str, str] = {}
        for name in defs:
            key = safe_key(name)
            if not safe_keys:
                # pydantic made our models' names safe; FastStream 0.5 keys them by title.
                title = defs[name].get("title")
                key = title if title in self._own else name
                key = key.replace("/", ".")
            while key in names.values():
                key += "_"
            names[name] = key
        components = {names[n]: _rewrite(s, names) for n, s in defs.items()}
        for slot, prop in properties.items():
            if "$ref" in prop:
                # The title is the slot's; a referenced model has its own.
                prop = {k: v for k, v in prop.items() if k != "title"}
            out[slot] = _rewrite(prop, names)
        return out, components


_CONFIG = ConfigDict(arbitrary_types_allowed=True)


def _generate(fields: dict[str, tuple[Any, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON Schema of each field, and the definitions they refer to."""
    with warnings.catch_warnings():
        # Odd annotations (``schema=42``) and defaults that are not JSON are
        # described as well as they can be; a document is no place to warn.
        warnings.simplefilter("ignore")
        holder = create_model("AsyncAPIDocument", __config__=_CONFIG, **fields)  # type: ignore[call-overload]
        schema = holder.model_json_schema(
            ref_template=_PREFIX + "{model}", schema_generator=_Lenient
        )
    return dict(schema.get("properties", {})), dict(schema.get("$defs", {}))


def _rewrite(value: Any, names: dict[str, str]) -> Any:
    """A copy of ``value`` with ``#/$defs/X`` references pointing at components."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k == "$ref" and isinstance(v, str) and v.startswith(_PREFIX):
                name = v[len(_PREFIX) :]
                out[k] = COMPONENTS + names.get(name, safe_key(name))
            elif k == "mapping" and isinstance(v, dict):  # a discriminator's
                out[k] = {key: _rewrite({"$ref": ref}, names)["$ref"] for key, ref in v.items()}
            else:
                out[k] = _rewrite(v, names)
        return out
    if isinstance(value, list):
        return [_rewrite(v, names) for v in value]
    return value


def return_annotation(funcs: Sequence[Callable[..., Any]]) -> Any:
    """The union of the functions' return annotations; ``None`` when none says anything."""
    found: list[Any] = []
    for func in funcs:
        try:
            hints = typing.get_type_hints(func, include_extras=True)
        except Exception:
            continue
        hint = hints.get("return")
        if hint is None or hint is type(None) or hint is Any or hint in found:
            continue
        if getattr(hint, "__name__", "") == "Response":
            continue
        found.append(hint)
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    return typing.Union[tuple(found)]  # noqa: UP007

"""The info objects an app, a broker or a subscriber is described with.

``Tag``, ``Contact``, ``License`` and ``ExternalDocs`` are the names FastStream
0.5 users import from ``faststream.asyncapi.schema``; each is also accepted as
a plain dict with the same keys. Unknown keys are kept (AsyncAPI ``x-`` fields).
URLs are validated and written as pydantic writes them (``https://help.com/``).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import AnyHttpUrl, BaseModel, ConfigDict

from .render import to_json, to_yaml


class _Object(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class ExternalDocs(_Object):
    url: AnyHttpUrl
    description: str | None = None


class Tag(_Object):
    name: str
    description: str | None = None
    externalDocs: ExternalDocs | dict[str, Any] | None = None


class Contact(_Object):
    name: str
    url: AnyHttpUrl | None = None
    email: str | None = None


class License(_Object):
    name: str
    url: AnyHttpUrl | None = None


class Node(dict[str, Any]):
    """A JSON object of a document whose keys read as attributes too
    (``schema.components.schemas``, as FastStream 0.5's schema objects read)."""

    def __init__(self, value: dict[str, Any] | None = None) -> None:
        super().__init__((k, _nodes(v)) for k, v in (value or {}).items())

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _nodes(value: Any) -> Any:
    if isinstance(value, dict) and not isinstance(value, Node):
        return Node(value)
    if isinstance(value, list):
        return [_nodes(v) for v in value]
    return value


class AsyncAPISchema(Node):
    """An AsyncAPI document: a dict of JSON values, with FastStream 0.5's writers.

    Its parts read as attributes too, at every level (``schema.components.schemas``).
    """

    def to_jsonable(self) -> dict[str, Any]:
        """A plain ``dict`` copy of the document (JSON types only)."""
        return json.loads(json.dumps(self))  # type: ignore[no-any-return]

    def to_json(self, *, indent: int | None = None) -> str:
        return to_json(self, indent=indent)

    def to_yaml(self) -> str:
        return to_yaml(self)

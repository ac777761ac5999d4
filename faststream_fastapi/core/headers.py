"""Case-insensitive message headers: HTTP semantics for broker metadata."""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView


class Headers:
    """A read-only mapping whose keys compare case-insensitively.

    Keys are stored lower-cased; iteration yields the lower-cased names.
    Registered as a ``Mapping`` rather than inheriting from it: one is built
    per message, and the ABC's machinery costs a third of that.
    """

    __slots__ = ("_data",)

    def __init__(self, raw: Mapping[str, str] | None = None) -> None:
        self._data: dict[str, str] = {k.lower(): v for k, v in raw.items()} if raw else {}

    @classmethod
    def lowered(cls, data: dict[str, str]) -> Headers:
        """Wrap ``data``, whose keys are lower-case already, without copying it."""
        headers = cls.__new__(cls)
        headers._data = data
        return headers

    def __getitem__(self, key: str) -> str:
        return self._data[key.lower()]

    def get(self, key: str, default: str | None = None) -> str | None:
        return self._data.get(key.lower(), default)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Headers({self._data!r})"

    def keys(self) -> KeysView[str]:
        return self._data.keys()

    def values(self) -> ValuesView[str]:
        return self._data.values()

    def items(self) -> ItemsView[str, str]:
        return self._data.items()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == {str(k).lower(): v for k, v in other.items()}
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def as_dict(self) -> dict[str, str]:
        return dict(self._data)


Mapping.register(Headers)

"""Destination patterns with ``{name}`` parts, e.g. ``"logs.{level}"``."""

from __future__ import annotations

import re

_PART = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)}")


class PathPattern:
    """Compiles a pattern into the broker's wildcard form and a matcher.

    ``wildcard`` replaces each part in the subscription (``*`` for NATS and
    Redis); ``token`` is the regex one part matches in a concrete destination.
    """

    __slots__ = ("names", "pattern", "regex", "subscription")

    def __init__(self, pattern: str, *, wildcard: str = "*", token: str = r"[^.]+") -> None:
        self.pattern = pattern
        self.names = tuple(_PART.findall(pattern))
        self.subscription = _PART.sub(wildcard, pattern)
        regex, last = [], 0
        for m in _PART.finditer(pattern):
            regex.append(re.escape(pattern[last : m.start()]))
            regex.append(f"(?P<{m.group(1)}>{token})")
            last = m.end()
        regex.append(re.escape(pattern[last:]))
        self.regex = re.compile("".join(regex) + r"\Z")

    def match(self, destination: str) -> dict[str, str]:
        if not self.names:
            return {}
        m = self.regex.match(destination)
        return m.groupdict() if m else {}


def has_params(pattern: str) -> bool:
    return bool(_PART.search(pattern))

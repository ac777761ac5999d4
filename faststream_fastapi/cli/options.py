"""Extra ``--key value`` options of ``run``, handed to the app's ``on_startup`` hooks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def parse_extra_options(tokens: Sequence[str]) -> dict[str, Any]:
    """``--env prod --debug --tag a --tag b`` → ``{"env": "prod", "debug": True, "tag": [...]}``.

    ``--key=value`` works too; dashes in keys become underscores; a key given
    twice collects its values in a list. Values stay strings: hooks convert
    them with their annotations.
    """
    options: dict[str, Any] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not token.startswith("--") or token == "--":
            raise ValueError(f"unexpected argument {token!r}; extra options look like --key value")
        key, eq, value = token[2:].partition("=")
        i += 1
        parsed: Any
        if eq:
            parsed = value
        elif i < len(tokens) and not tokens[i].startswith("--"):
            parsed = tokens[i]
            i += 1
        else:
            parsed = True
        name = key.replace("-", "_")
        if not name.isidentifier():
            raise ValueError(f"{token!r} is not a valid option name")
        if name in options:
            previous = options[name]
            options[name] = (
                [*previous, parsed] if isinstance(previous, list) else [previous, parsed]
            )
        else:
            options[name] = parsed
    return options

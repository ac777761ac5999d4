"""FastStream 0.5's broker keywords that are not client-library options.

A broker hands the keywords it does not name to its client library. These
would break the client (or be silently dropped by it), so ``init_broker``
takes them out first:

- ``description`` is the servers' description in the AsyncAPI document;
- ``apply_types`` and ``validate``: handlers always get FastAPI's typing and
  validation here; ``True`` is accepted, ``False`` too but with a warning that
  it has no effect;
- the others are refused with a ``TypeError`` naming the keyword (but for a
  numeric ``protocol``: redis-py's RESP version).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

_ALWAYS_ON = ("apply_types", "validate")
_KEPT = ("description",)
_REFUSED = (
    "asyncapi_url",
    "protocol",
    "protocol_version",
    "tags",
    "decoder",
    "parser",
    "log_level",
    "log_fmt",
)
#: Every keyword handled here, kept, dropped or refused.
KNOWN = frozenset((*_ALWAYS_ON, *_KEPT, *_REFUSED))


def split(owner: str, options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``options`` as (the client library's, attributes to set on the broker)."""
    client = dict(options)
    for key in _REFUSED:
        # redis-py's own ``protocol`` is the RESP version, a number: the client's.
        if key in client and not (key == "protocol" and not isinstance(client[key], str)):
            raise TypeError(f"{owner}() does not support {key}= (see docs/migrating.md)")
    for key in _ALWAYS_ON:
        if key in client and not client.pop(key):
            warnings.warn(
                f"{owner}({key}=False) has no effect: handlers always get FastAPI's "
                "typing and validation",
                UserWarning,
                stacklevel=4,
            )
    attributes = {key: client.pop(key) for key in _KEPT if key in client}
    return client, attributes

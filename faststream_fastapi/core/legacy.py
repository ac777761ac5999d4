"""FastStream 0.5's broker keywords that are not client-library options.

A broker hands the keywords it does not name to its client library. These
would break the client (or be silently dropped by it), so ``init_broker``
takes them out first:

- ``description``, ``asyncapi_url``, ``protocol``, ``protocol_version`` and
  ``tags`` are what the AsyncAPI document says of the broker's servers (but
  for a numeric ``protocol``: redis-py's RESP version, the client's);
- ``apply_types`` and ``validate``: handlers always get FastAPI's typing and
  validation here; ``True`` is accepted, ``False`` too but with a warning that
  it has no effect;
- the others (``log_fmt``) are refused with a ``TypeError`` naming the keyword.

(``parser`` and ``decoder`` are every broker's own keywords: ``custom.py``.)
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

_ALWAYS_ON = ("apply_types", "validate")
_KEPT = ("description", "asyncapi_url", "protocol", "protocol_version", "tags")
_REFUSED = (
    "log_level",
    "log_fmt",
)
#: Every keyword handled here, kept, dropped or refused.
KNOWN = frozenset((*_ALWAYS_ON, *_KEPT, *_REFUSED))


def split(owner: str, options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``options`` as (the client library's, attributes to set on the broker)."""
    client = dict(options)
    for key in _REFUSED:
        if key in client:
            raise TypeError(f"{owner}() does not support {key}= (see docs/migrating.md)")
    for key in _ALWAYS_ON:
        if key in client and not client.pop(key):
            warnings.warn(
                f"{owner}({key}=False) has no effect: handlers always get FastAPI's "
                "typing and validation",
                UserWarning,
                stacklevel=4,
            )
    # redis-py's own ``protocol`` is the RESP version, a number: the client's.
    attributes = {
        key: client.pop(key)
        for key in _KEPT
        if key in client and not (key == "protocol" and not isinstance(client[key], str))
    }
    return client, attributes

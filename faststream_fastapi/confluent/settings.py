"""librdkafka's open configuration, checked when a broker is built.

confluent-kafka has no list of librdkafka's property names, but building a
client handle checks each one, without connecting when no ``bootstrap.servers``
is given. A broker built with a name librdkafka does not know fails there,
naming the keyword, instead of when its first client starts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from confluent_kafka import KafkaException, Producer

#: Takes librdkafka's own log lines while a throwaway handle checks the settings
#: (consumer properties given to a producer are a warning, not an error).
_quiet = logging.getLogger("faststream_fastapi.confluent.settings")
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False

_UNKNOWN = "No such configuration property"


def check(owner: str, options: Mapping[str, Any], what: str = "keyword argument") -> None:
    """Raise ``TypeError`` for a keyword librdkafka does not know, ``ValueError`` for a
    value it refuses; ``options`` spell dots as underscores (``session_timeout_ms``) or
    as dots (``config=``'s properties, ``what="config property"``)."""
    names = {key.replace("_", "."): key for key in options}
    try:
        Producer({name: options[key] for name, key in names.items()} | {"logger": _quiet})
    except KafkaException as exc:
        text = exc.args[0].str() if exc.args else str(exc)
        keyword = next((key for name, key in names.items() if f'"{name}"' in text), None)
        if _UNKNOWN in text and keyword is not None:
            raise TypeError(
                f"{owner}() got an unexpected {what} {keyword!r} "
                f"(not a librdkafka configuration property)"
            ) from None
        raise ValueError(f"{owner}(): {text}") from None

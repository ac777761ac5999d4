"""The metric families, named once for both ways of keeping them.

The names and labels are FastStream 0.5's, so that dashboards and alerts
written for it read these metrics unchanged; ``published_messages_size_bytes``
is ours alone. In one process the middleware keeps plain counts
(``inprocess.py``); under ``PROMETHEUS_MULTIPROC_DIR`` it keeps
``prometheus_client`` metrics, whose values go to files (``multiprocess.py``).
A scrape sees the same families either way: these names (after the prefix),
help texts, labels and types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: The labels of a subscriber's families; some add their own after these.
CONSUME = ("app_name", "broker", "handler")
#: The labels of the publishing families; some add their own after these.
PUBLISH = ("app_name", "broker", "destination")


@dataclass(frozen=True)
class Family:
    """One family: ``name`` follows the prefix (``faststream_`` + ``name``).

    A counter's samples end in ``_total`` (``faststream_received_messages_total``).
    """

    name: str
    help: str
    kind: Literal["counter", "gauge", "histogram"]
    labels: tuple[str, ...]


RECEIVED = Family(
    "received_messages", "Messages delivered to a subscriber, by handler.", "counter", CONSUME
)
RECEIVED_SIZE = Family(
    "received_messages_size_bytes", "Body size of received messages.", "histogram", CONSUME
)
IN_PROCESS = Family(
    "received_messages_in_process", "Messages being processed now.", "gauge", CONSUME
)
PROCESSED = Family(
    "received_processed_messages",
    "Messages processed, by settlement status.",
    "counter",
    (*CONSUME, "status"),
)
DURATION = Family(
    "received_processed_messages_duration_seconds",
    "Time from delivery to the end of the handler (decode, dependencies, "
    "handler, publishing its result).",
    "histogram",
    CONSUME,
)
PROCESS_EXCEPTIONS = Family(
    "received_processed_messages_exceptions",
    "Exceptions raised while processing, by type.",
    "counter",
    (*CONSUME, "exception_type"),
)
PUBLISHED = Family(
    "published_messages", "Messages published, by outcome.", "counter", (*PUBLISH, "status")
)
PUBLISH_DURATION = Family(
    "published_messages_duration_seconds", "Time to publish one message.", "histogram", PUBLISH
)
PUBLISH_EXCEPTIONS = Family(
    "published_messages_exceptions",
    "Exceptions raised while publishing, by type.",
    "counter",
    (*PUBLISH, "exception_type"),
)
PUBLISHED_SIZE = Family(
    "published_messages_size_bytes", "Body size of published messages.", "histogram", PUBLISH
)

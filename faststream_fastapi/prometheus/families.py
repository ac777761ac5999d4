"""The metric families, named once for both ways of keeping them.

In one process the middleware keeps plain counts (``inprocess.py``); under
``PROMETHEUS_MULTIPROC_DIR`` it keeps ``prometheus_client`` metrics, whose
values go to files (``multiprocess.py``). A scrape sees the same families
either way: these names (after the prefix), help texts, labels and types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: The labels of every family; some add their own after these.
SUBJECT = ("broker", "destination")


@dataclass(frozen=True)
class Family:
    """One family: ``name`` follows the prefix (``faststream_`` + ``name``)."""

    name: str
    help: str
    kind: Literal["counter", "gauge", "histogram"]
    labels: tuple[str, ...] = SUBJECT


RECEIVED = Family("received_messages", "Messages delivered to a subscriber.", "counter")
RECEIVED_SIZE = Family(
    "received_messages_size_bytes", "Body size of received messages.", "histogram"
)
PROCESSED = Family(
    "processed_messages",
    "Messages processed, by settlement status.",
    "counter",
    (*SUBJECT, "status"),
)
DURATION = Family(
    "processing_duration_seconds",
    "Time from delivery to the end of the handler (decode, dependencies, "
    "handler, publishing its result).",
    "histogram",
    (*SUBJECT, "status"),
)
IN_FLIGHT = Family("messages_in_flight", "Messages being processed now.", "gauge")
EXCEPTIONS = Family(
    "exceptions",
    "Exceptions raised while processing or publishing, by type.",
    "counter",
    (*SUBJECT, "operation", "exception_type"),
)
PUBLISHED = Family(
    "published_messages", "Messages published, by outcome.", "counter", (*SUBJECT, "status")
)
PUBLISH_DURATION = Family("publish_duration_seconds", "Time to publish one message.", "histogram")
PUBLISHED_SIZE = Family(
    "published_messages_size_bytes", "Body size of published messages.", "histogram"
)

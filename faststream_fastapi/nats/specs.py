"""What a NATS subscriber listens to or a publisher writes to."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nats.js.api import ConsumerConfig, DeliverPolicy

from ..core.paths import PathPattern, has_params
from ..core.spec import CUSTOM_VERSION, Bindings, Channels, NamedSpec
from .watch import KvWatch, ObjWatch

#: The version of AsyncAPI's NATS operation binding.
NATS_BINDING_VERSION = "0.1.0"
#: The header JetStream de-duplicates by, within a stream's ``duplicate_window``.
MSG_ID = "Nats-Msg-Id"


class JStream:
    """A JetStream stream: ``JStream("orders", subjects=["orders.>"], max_age=3600)``.

    With ``declare=True`` (the default) the stream is created on first use, or
    updated to also capture the subjects it is used with; an existing stream
    that already captures them is left as it is (its settings are the
    operator's). Without ``subjects`` it captures the subjects of the
    subscribers and publishers naming it.
    ``config`` keywords go to nats-py's ``StreamConfig`` (``max_age``,
    ``storage``, ``retention``, ...).
    """

    __slots__ = ("config", "declare", "name", "subjects")

    def __init__(
        self,
        name: str,
        subjects: list[str] | tuple[str, ...] | None = None,
        *,
        declare: bool = True,
        **config: Any,
    ) -> None:
        self.name = name
        self.subjects = tuple(subjects) if subjects is not None else None
        self.declare = declare
        self.config: Mapping[str, Any] = config

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JStream) and (
            self.name,
            self.subjects,
            self.declare,
            dict(self.config),
        ) == (other.name, other.subjects, other.declare, dict(other.config))

    def __hash__(self) -> int:
        return hash((self.name, self.subjects, self.declare))

    def __repr__(self) -> str:
        return f"JStream({self.name!r}, subjects={self.subjects!r})"


@dataclass(frozen=True)
class PullSub:
    """Consume a JetStream subject by pulling: fetch up to ``batch_size`` messages
    per request, waiting at most ``timeout`` seconds for the first one.
    Messages of a batch are handled one after another, each settled on its own;
    with ``batch=True`` the handler gets each fetched batch as one list, and
    the whole batch is settled together.
    """

    batch_size: int = 1
    timeout: float = 5.0
    batch: bool = False


@dataclass(frozen=True)
class NatsSub(NamedSpec):
    """A subject, optionally in a JetStream stream.

    Core NATS (no ``stream``) is at-most-once: nothing is settled, a message
    published while nobody listens is gone. With ``queue``, the subscribers of
    one group share the messages (each goes to one of them). With ``stream``,
    a JetStream consumer (push, or pull with ``pull_sub``) delivers with
    explicit acks: ack, ``nak`` (redeliver) or ``term`` (drop).
    ``{name}`` parts (``"logs.{level}"``) match one token each and fill
    ``Path()`` parameters. ``pending_msgs_limit`` and ``pending_bytes_limit``
    bound a push subscription's client-side queue (``None``: the transport's
    default; see ``docs/delivery.md``, "Backlogs and memory").
    With ``kv_watch`` the subject is a key pattern of that key-value bucket, with
    ``obj_watch`` the name of an object store: either is watched, not subscribed.
    A JetStream consumer whose ``config`` has ``filter_subjects`` takes those
    subjects (the subject may then be empty, as in FastStream 0.5).
    """

    named_by = "subject"

    subject: str
    queue: str | None = None
    stream: JStream | None = None
    durable: str | None = None
    pull_sub: PullSub | None = None
    deliver_policy: DeliverPolicy | None = None
    config: ConsumerConfig | None = field(default=None, compare=False)
    pending_msgs_limit: int | None = None
    pending_bytes_limit: int | None = None
    kv_watch: KvWatch | None = None
    obj_watch: ObjWatch | None = None

    @property
    def wire_subject(self) -> str:
        """The subject as NATS sees it: ``{name}`` parts become ``*``."""
        if has_params(self.subject):
            return PathPattern(self.subject, wildcard="*", token=r"[^.]+").subscription
        return self.subject

    @property
    def filter_subjects(self) -> tuple[str, ...]:
        """``config.filter_subjects``: a JetStream consumer given them takes only these."""
        config = self.config
        return tuple(config.filter_subjects or ()) if config is not None else ()

    @functools.cached_property
    def subjects(self) -> tuple[str, ...]:
        """The subjects this subscription receives (as NATS matches them); read per
        message by the test broker's routing, so worked out once."""
        return self.filter_subjects or (self.wire_subject,)

    def with_prefix(self, prefix: str) -> NatsSub:
        if self.subject or not self.filter_subjects:
            return super().with_prefix(prefix)
        subjects = [prefix + subject for subject in self.filter_subjects]
        config = dataclasses.replace(self.config, filter_subjects=subjects)  # type: ignore[type-var]
        return dataclasses.replace(self, config=config)

    def asyncapi_channels(self, *, receive: bool, vhost: str | None = None) -> Channels:
        # The subject and stream are custom channel fields: AsyncAPI's NATS
        # binding describes only an operation's queue.
        if self.kv_watch is not None or self.obj_watch is not None:
            return []  # a bucket watch is no channel (as FastStream 0.5 has it)
        name = self.subject or ", ".join(self.filter_subjects)  # as FastStream 0.5 names it
        channel: dict[str, Any] = {"subject": self.wire_subject or name}
        if self.stream is not None:
            channel["stream"] = self.stream.name
            if receive and self.durable:
                channel["durable"] = self.durable
            if receive:
                channel["pull"] = self.pull_sub is not None
        channel["bindingVersion"] = CUSTOM_VERSION
        bindings = Bindings(channel={"nats": channel})
        if receive and self.queue:
            bindings.operation["nats"] = {
                "queue": self.queue,
                "bindingVersion": NATS_BINDING_VERSION,
            }
        return [(name, bindings)]


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: ``*`` is one token, a last ``>`` one or more."""
    want = pattern.split(".")
    have = subject.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return i == len(want) - 1 and len(have) > i
        if i >= len(have):
            return False
        if token != "*" and token != have[i]:
            return False
    return len(want) == len(have)

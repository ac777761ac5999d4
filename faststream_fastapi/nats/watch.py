"""What a NATS key-value or object store watch subscriber watches, and how."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KvWatch:
    """Watch the keys of a JetStream key-value ``bucket`` matching the subject.

    ``@broker.subscriber("user.*", kv_watch=KvWatch("users"))`` gets each new
    value of a matching key; ``kv_watch="users"`` is the same with the defaults.
    ``headers_only``, ``include_history``, ``ignore_deletes``, ``meta_only`` and
    ``inactive_threshold`` go to nats-py's ``KeyValue.watch``; ``timeout`` is how
    long one wait for an update lasts before the watch loop checks it should
    go on. With ``declare`` (the default) a missing bucket is created.
    """

    bucket: str
    headers_only: bool = False
    include_history: bool = False
    ignore_deletes: bool = False
    meta_only: bool = False
    inactive_threshold: float | None = None
    timeout: float | None = 5.0
    declare: bool = True

    @property
    def name(self) -> str:
        """The bucket (FastStream 0.5's name for it)."""
        return self.bucket

    @classmethod
    def validate(cls, value: str | KvWatch | None) -> KvWatch | None:
        """``kv_watch=`` as given: a bucket name, a ``KvWatch`` or nothing."""
        return cls(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class ObjWatch:
    """Watch a JetStream object store: the subscriber's subject is the bucket.

    ``@broker.subscriber("files", obj_watch=True)`` gets the name of each object
    put in (or deleted from) bucket ``files``. ``ignore_deletes``,
    ``include_history`` and ``meta_only`` go to nats-py's ``ObjectStore.watch``;
    ``timeout`` and ``declare`` as for ``KvWatch``.
    """

    ignore_deletes: bool = False
    include_history: bool = False
    meta_only: bool = False
    timeout: float = 5.0
    declare: bool = True

    @classmethod
    def validate(cls, value: bool | ObjWatch | None) -> ObjWatch | None:
        """``obj_watch=`` as given: ``True`` for the defaults, ``False``/``None`` for none."""
        if value is True:
            return cls()
        return value or None

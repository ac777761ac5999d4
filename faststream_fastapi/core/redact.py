"""Credentials out of the text the library shows: exception messages and their causes.

A transport keeps its credentials where its client library wants them: in a
URL (``redis://:secret@host``, ``amqp://user:secret@host``, ``?password=...``,
NATS's ``nats://token@host``) or in connection options (``password=``,
``token=``, ``sasl_plain_password=``, ``sasl.password``). :func:`secrets_of`
finds them, :func:`redact` hides them in a text, and :func:`redacted_chain`
gives an exception chain that shows none of them (client libraries may put
the URL they were given into their errors).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from .errors import RedactedError

#: Option and query names that hold a credential (``key`` only as a whole word:
#: ``ssl.key.password`` yes, ``key_serializer`` is a callable and skipped anyway).
SECRET_NAME = re.compile(
    r"pass|secret|token|cred|nkey|seed|private|auth|jwt|(^|[._-])key($|[._-])", re.IGNORECASE
)

#: Shorter values are not replaced: every occurrence of two letters would go.
MIN_LENGTH = 4

MASK = "***"

#: Where transports keep their URLs, and their client options.
_URL_ATTRIBUTES = ("url", "servers", "bootstrap_servers")
_OPTION_ATTRIBUTES = ("options",)
_MAX_CHAIN = 16


def secrets_of(holder: Any) -> frozenset[str]:
    """The credentials ``holder`` (a transport) was given, in URLs or options."""
    found: set[str] = set()
    for attr in _URL_ATTRIBUTES:
        for url in _urls(getattr(holder, attr, None)):
            found.update(_url_secrets(url))
    for attr in _OPTION_ATTRIBUTES:
        options = getattr(holder, attr, None)
        if isinstance(options, Mapping):
            found.update(_option_secrets(options))
    return frozenset(_variants(s for s in found if len(s) >= MIN_LENGTH))


def addresses(value: str | Iterable[str]) -> str:
    """Server URLs for a message: comma-separated, without userinfo or secret queries."""
    return ", ".join(_address(url) for url in _urls(value))


def _address(url: str) -> str:
    has_scheme = "://" in url
    try:
        parts = urlsplit(url if has_scheme else f"//{url}")
    except ValueError:
        return MASK
    host = parts.netloc.rpartition("@")[2]
    query = "&".join(
        f"{name}={MASK if SECRET_NAME.search(name) else value}"
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    out = f"{parts.scheme}://{host}" if has_scheme else host
    out += parts.path
    return f"{out}?{query}" if query else out


def _urls(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield from (u.strip() for u in value.split(",") if u.strip())
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _urls(item)


def _url_secrets(url: str) -> Iterator[str]:
    try:
        parts = urlsplit(url if "://" in url else f"//{url}")
    except ValueError:
        return
    if "@" in parts.netloc:
        userinfo = parts.netloc.rpartition("@")[0]
        user, sep, password = userinfo.partition(":")
        # No password: NATS (and others) read a lone userinfo as a token.
        yield password if sep else user
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if SECRET_NAME.search(name):
            yield value


def _option_secrets(options: Mapping[str, Any]) -> Iterator[str]:
    for name, value in options.items():
        if not (isinstance(name, str) and SECRET_NAME.search(name)):
            continue
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str):
            yield value


def _variants(secrets: Iterable[str]) -> Iterator[str]:
    """Each secret as written, percent-decoded and percent-encoded (URLs carry either)."""
    for secret in secrets:
        yield secret
        for variant in (unquote(secret), quote(secret, safe="")):
            if len(variant) >= MIN_LENGTH:
                yield variant


def redact(text: str, secrets: Collection[str]) -> str:
    """``text`` with every one of ``secrets`` replaced by ``***``."""
    for secret in sorted(secrets, key=len, reverse=True):  # longest first: no partial leftovers
        text = text.replace(secret, MASK)
    return text


def shows(exc: BaseException, secrets: Collection[str]) -> bool:
    """Whether ``str``, ``repr`` or the arguments of ``exc`` contain one of ``secrets``."""
    texts = (_safe_text(str, exc), _safe_text(repr, exc), _safe_text(repr, exc.args))
    return any(secret in text for secret in secrets for text in texts)


def _safe_text(render: Any, obj: Any) -> str:
    try:
        return str(render(obj))
    except Exception:  # an exception whose __str__ fails shows nothing
        return ""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen and len(seen) < _MAX_CHAIN:
        seen.add(id(node))
        yield node
        node = node.__cause__ or (None if node.__suppress_context__ else node.__context__)


def redacted_chain(exc: BaseException, secrets: Collection[str]) -> BaseException:
    """``exc`` itself when no exception of its chain shows a secret; otherwise stand-ins.

    Each stand-in is a :class:`RedactedError` naming the original type, with
    its message redacted and its traceback kept, so logs still say where and
    what failed. The originals are dropped: they would show the secret to
    whoever logs or prints the chain.
    """
    chain = list(_chain(exc))
    if not secrets or not any(shows(e, secrets) for e in chain):
        return exc
    cause: BaseException | None = None
    for original in reversed(chain):
        kind = type(original)
        text = redact(_safe_text(str, original), secrets)
        name = f"{kind.__module__}.{kind.__qualname__}"
        stand_in = RedactedError(f"{name}: {text}" if text else name)
        stand_in.__traceback__ = original.__traceback__
        stand_in.__cause__ = cause
        cause = stand_in
    assert cause is not None
    return cause

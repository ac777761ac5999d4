"""TLS and authentication for every broker, through one small set of objects.

Pass one as ``security=`` to any broker (or FastAPI ``StreamRouter``)::

    RedisBroker("redis://cache:6380", security=SASLPlaintext("alice", pw, ssl_context=ctx))

Each broker maps it onto its client library's options and refuses, when it is
constructed, what its client cannot do (``SetupError``). A password or token
that would travel without TLS raises :class:`InsecureCredentialsWarning` once,
when the broker first connects. See docs/security.md.
"""

from ..core.errors import InsecureCredentialsWarning
from .objects import (
    SASLGSSAPI,
    BaseSecurity,
    NKeys,
    SASLExternal,
    SASLOAuthBearer,
    SASLPlaintext,
    SASLScram256,
    SASLScram512,
    Token,
)

__all__ = [
    "SASLGSSAPI",
    "BaseSecurity",
    "InsecureCredentialsWarning",
    "NKeys",
    "SASLExternal",
    "SASLOAuthBearer",
    "SASLPlaintext",
    "SASLScram256",
    "SASLScram512",
    "Token",
]

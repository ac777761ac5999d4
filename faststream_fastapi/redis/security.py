"""What a ``security=`` object means for redis-py.

redis-py builds its own TLS context from file names (``ssl_ca_certs=``, ...);
the security objects hand over a context, through :class:`TLSConnection`.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from redis.asyncio.connection import SSLConnection

from ..core.errors import SetupError
from ..security.clients import Applied, ClientSecurity, query_has, refuse, tls_only, userinfo
from ..security.objects import BaseSecurity, SASLPlaintext

if TYPE_CHECKING:
    from ..core.descriptor import BrokerDescriptor


class TLSConnection(SSLConnection):
    """``SSLConnection`` whose TLS context is ``tls_context`` (from the pool's kwargs).

    The connection's ``ssl_context`` holder builds the context once and caches
    it in ``context``: filling that cache in advance is the one redis-py detail
    relied on here, and the TLS tests fail loudly if it changes.
    """

    def __init__(self, *, tls_context: ssl.SSLContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ssl_context.context = tls_context


def _map(
    d: BrokerDescriptor, url: Any, options: dict[str, Any], sec: BaseSecurity | None
) -> Applied:
    scheme = urlsplit(url).scheme
    user, password = userinfo(url)
    tls = scheme == d.protocol.tls or _ssl_class(options.get("connection_class"))
    out = Applied(url, {}, tls=tls)
    if password or query_has(url, "password"):
        out.exposed.append("the password in the URL")
    if options.get("password"):
        out.exposed.append("password=")
    if sec is None:
        return out
    if isinstance(sec, SASLPlaintext):
        if user or password:
            raise SetupError(f"{d.name}: credentials in the URL and in security=; give one")
        out.options.update(username=sec.username, password=sec.password)
        out.exposed.append("the password of SASLPlaintext")
    elif not tls_only(sec):
        raise refuse(d.name, sec, "Redis takes SASLPlaintext (an ACL user) and TLS")
    context = sec.tls_context()
    if context is not None:
        if scheme == "unix":
            raise SetupError(f"{d.name}: TLS does not apply to a unix socket URL")
        out.options.update(connection_class=TLSConnection, tls_context=context)
        out.tls = True
    return out


def _ssl_class(cls: Any) -> bool:
    return isinstance(cls, type) and any(c.__name__ == "SSLConnection" for c in cls.__mro__)


REDIS_PY = ClientSecurity(_map)

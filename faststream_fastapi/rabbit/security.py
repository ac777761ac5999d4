"""What a ``security=`` object means for aio-pika."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from ..core.errors import SetupError
from ..security.clients import Applied, ClientSecurity, refuse, tls_only, userinfo
from ..security.objects import BaseSecurity, SASLExternal, SASLPlaintext

if TYPE_CHECKING:
    from ..core.descriptor import BrokerDescriptor

#: RabbitMQ's built-in account: public knowledge, and loopback-only by default.
_DEFAULT_ACCOUNT = ("guest", "guest")


def _map(
    d: BrokerDescriptor, url: Any, options: dict[str, Any], sec: BaseSecurity | None
) -> Applied:
    parts = urlsplit(url)
    user, password = userinfo(url)
    out = Applied(url, {}, tls=parts.scheme == d.protocol.tls)
    if password and (user, password) != _DEFAULT_ACCOUNT:
        out.exposed.append("the password in the URL")
    if sec is None:
        return out
    netloc, query = parts.netloc, parse_qsl(parts.query, keep_blank_values=True)
    if isinstance(sec, SASLPlaintext):
        if (user or password) and (user, password) != _DEFAULT_ACCOUNT:
            raise SetupError(f"{d.name}: credentials in the URL and in security=; give one")
        host = netloc.rpartition("@")[2]
        netloc = f"{quote(sec.username, safe='')}:{quote(sec.password, safe='')}@{host}"
        if (sec.username, sec.password) != _DEFAULT_ACCOUNT:
            out.exposed.append("the password of SASLPlaintext")
    elif isinstance(sec, SASLExternal):
        query = [(k, v) for k, v in query if k != "auth"] + [("auth", "external")]
    elif not tls_only(sec):
        raise refuse(d.name, sec, "RabbitMQ takes SASLPlaintext, SASLExternal and TLS")
    scheme = parts.scheme
    context = sec.tls_context()
    if context is not None:
        scheme = d.protocol.tls
        out.options["ssl_context"] = context
        out.tls = True
    out.url = urlunsplit((scheme, netloc, parts.path, urlencode(query), parts.fragment))
    return out


AIO_PIKA = ClientSecurity(_map)

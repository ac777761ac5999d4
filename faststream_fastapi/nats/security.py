"""What a ``security=`` object means for nats-py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..core.errors import SetupError
from ..security.clients import Applied, ClientSecurity, refuse, tls_only, userinfo
from ..security.objects import BaseSecurity, NKeys, SASLPlaintext, Token

if TYPE_CHECKING:
    from ..core.descriptor import BrokerDescriptor


def _map(
    d: BrokerDescriptor, url: Any, options: dict[str, Any], sec: BaseSecurity | None
) -> Applied:
    servers = [url] if isinstance(url, str) else list(url)
    tls = bool(servers) and all(urlsplit(s).scheme == d.protocol.tls for s in servers)
    out = Applied(url, {}, tls=tls or options.get("tls") is not None)
    in_url = any(any(userinfo(s)) for s in servers)
    if in_url:
        out.exposed.append("the credentials in the server URL")
    out.exposed.extend(f"{k}=" for k in ("password", "token") if options.get(k))
    if sec is None:
        return out
    if isinstance(sec, SASLPlaintext):
        out.options.update(user=sec.username, password=sec.password)
        out.exposed.append("the password of SASLPlaintext")
    elif isinstance(sec, Token):
        out.options["token"] = sec.token
        out.exposed.append("the token of Token")
    elif isinstance(sec, NKeys):
        if sec.seed:
            out.options["nkeys_seed_str"] = sec.seed
        elif sec.seed_file:
            out.options["nkeys_seed"] = sec.seed_file
        else:
            out.options["user_credentials"] = sec.creds_file
    elif not tls_only(sec):
        raise refuse(d.name, sec, "NATS takes SASLPlaintext, Token, NKeys and TLS")
    if in_url and not tls_only(sec):
        raise SetupError(f"{d.name}: credentials in the server URL and in security=; give one")
    context = sec.tls_context()
    if context is not None:
        out.options["tls"] = context
        out.tls = True
    return out


NATS_PY = ClientSecurity(_map)

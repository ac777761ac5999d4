"""What both Kafka clients' ``security=`` mappings share."""

from __future__ import annotations

from ..security.clients import Applied, refuse
from ..security.objects import BaseSecurity, NKeys, SASLOAuthBearer, SASLPlaintext, Token


def kafka_only(broker: str, sec: BaseSecurity) -> None:
    """Refuse the security objects Kafka has no mechanism for."""
    if isinstance(sec, Token | NKeys):
        raise refuse(
            broker,
            sec,
            "Kafka takes SASLPlaintext, SASLScram256/512, SASLOAuthBearer, SASLGSSAPI, "
            "SASLExternal and TLS",
        )


def expose_kafka(out: Applied, sec: BaseSecurity) -> None:
    """Note the secrets ``sec``'s mechanism sends as they are."""
    # SCRAM and GSSAPI prove the secret without sending it; PLAIN and a bearer token send it.
    if isinstance(sec, SASLPlaintext):
        out.exposed.append("the password of SASLPlaintext")
    elif isinstance(sec, SASLOAuthBearer):
        out.exposed.append("the OAUTHBEARER token")

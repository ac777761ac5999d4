"""Real TLS: private Redis and NATS servers with a throwaway CA, and the warning.

Each round trip publishes and consumes one message through the broker with
its security object. Warnings are errors in this suite, so a round trip over
TLS also proves that no ``InsecureCredentialsWarning`` fired.
"""

from __future__ import annotations

import asyncio
import ssl
import warnings
from typing import Any

import pytest
from tls_brokers import PASSWORD, TOKEN, USER, Pki

from faststream_fastapi.core.broker import Broker
from faststream_fastapi.core.errors import BrokerConnectionError
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.rabbit import RabbitBroker
from faststream_fastapi.redis import RedisBroker
from faststream_fastapi.security import (
    BaseSecurity,
    InsecureCredentialsWarning,
    SASLPlaintext,
    Token,
)
from servers import free_port
from support import collect

WAIT = 20.0
#: nats-py retries a refused first connection until its timeout: keep failures short.
NATS_FAIL_FAST = {"connect_timeout": 1}


async def round_trip(broker: Broker, destination: str) -> None:
    """Publish one message through ``broker`` and consume it."""
    received: asyncio.Queue[str] = asyncio.Queue()

    @broker.subscriber(destination)  # type: ignore[attr-defined]
    async def handle(body: str) -> None:
        await received.put(body)

    async with broker:
        await broker.start()
        await broker.publish("hello over TLS", destination)  # type: ignore[attr-defined]
        assert await collect(1, received, WAIT) == ["hello over TLS"]


def texts_of(exc: BaseException) -> str:
    """Everything an exception chain shows: each link's ``str`` and ``repr``."""
    shown, node, seen = [], exc, 0
    while node is not None and seen < 16:
        shown += [str(node), repr(node)]
        node = node.__cause__ or node.__context__
        seen += 1
    return "\n".join(shown)


async def refused(broker: Broker) -> BrokerConnectionError:
    with pytest.raises(BrokerConnectionError) as info:
        await asyncio.wait_for(broker.connect(), WAIT)
    await broker.close()
    return info.value


# -- Redis ------------------------------------------------------------------------


@pytest.mark.redis
async def test_redis_acl_user_over_tls_with_a_context(redis_tls: int, pki: Pki, name: str) -> None:
    security = SASLPlaintext(USER, PASSWORD, ssl_context=pki.context())
    broker = RedisBroker(f"redis://127.0.0.1:{redis_tls}", security=security)
    await round_trip(broker, name)


@pytest.mark.redis
async def test_redis_tls_with_a_ca_file(redis_tls: int, pki: Pki, name: str) -> None:
    # The default user (no password) over TLS, the CA given as a file.
    broker = RedisBroker(
        f"redis://127.0.0.1:{redis_tls}", security=BaseSecurity(ca_file=pki.ca_file)
    )
    await round_trip(broker, name)


@pytest.mark.redis
async def test_redis_wrong_password_fails_clearly_without_showing_it(
    redis_tls: int, pki: Pki
) -> None:
    wrong = "wrong-" + PASSWORD
    security = SASLPlaintext(USER, wrong, ssl_context=pki.context())
    error = await refused(RedisBroker(f"redis://127.0.0.1:{redis_tls}", security=security))
    assert "RedisBroker cannot connect: AuthenticationError" in str(error)
    assert wrong not in texts_of(error)


@pytest.mark.redis
async def test_redis_wrong_ca_fails_clearly_without_showing_the_password(
    redis_tls: int, foreign_context: ssl.SSLContext
) -> None:
    security = SASLPlaintext(USER, PASSWORD, ssl_context=foreign_context)
    error = await refused(RedisBroker(f"redis://127.0.0.1:{redis_tls}", security=security))
    assert "certificate verify failed" in str(error)
    assert PASSWORD not in texts_of(error)


# -- NATS -------------------------------------------------------------------------


@pytest.mark.nats
async def test_nats_user_over_tls(nats_tls_user: int, pki: Pki, name: str) -> None:
    security = SASLPlaintext(USER, PASSWORD, ssl_context=pki.context())
    await round_trip(NatsBroker(f"nats://127.0.0.1:{nats_tls_user}", security=security), name)


@pytest.mark.nats
async def test_nats_token_over_tls_with_a_ca_file(nats_tls_token: int, pki: Pki, name: str) -> None:
    security = Token(TOKEN, ca_file=pki.ca_file)
    await round_trip(NatsBroker(f"nats://127.0.0.1:{nats_tls_token}", security=security), name)


@pytest.mark.nats
@pytest.mark.parametrize("what", ["password", "token"])
async def test_nats_wrong_credential_fails_clearly_without_showing_it(
    nats_tls_user: int, nats_tls_token: int, pki: Pki, what: str
) -> None:
    wrong = "wrong-" + (PASSWORD if what == "password" else TOKEN)
    if what == "password":
        port, security = nats_tls_user, SASLPlaintext(USER, wrong, ssl_context=pki.context())
    else:
        port, security = nats_tls_token, Token(wrong, ssl_context=pki.context())
    broker = NatsBroker(f"nats://127.0.0.1:{port}", security=security, **NATS_FAIL_FAST)
    error = await refused(broker)
    assert "Authorization Violation" in str(error)
    assert wrong not in texts_of(error)


@pytest.mark.nats
async def test_nats_wrong_ca_fails_clearly(
    nats_tls_user: int, foreign_context: ssl.SSLContext
) -> None:
    security = SASLPlaintext(USER, PASSWORD, ssl_context=foreign_context)
    broker = NatsBroker(f"nats://127.0.0.1:{nats_tls_user}", security=security, **NATS_FAIL_FAST)
    error = await refused(broker)
    assert "CERTIFICATE_VERIFY_FAILED" in str(error)
    assert PASSWORD not in texts_of(error)


# -- the plaintext-credentials warning ----------------------------------------------


def _warned(recorded: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in recorded if w.category is InsecureCredentialsWarning]


@pytest.mark.nats
async def test_warning_for_a_security_object_without_tls_once_per_broker(
    nats_plain_token: int, name: str
) -> None:
    broker = NatsBroker(f"nats://127.0.0.1:{nats_plain_token}", security=Token(TOKEN))
    with pytest.warns(InsecureCredentialsWarning, match="the token of Token") as recorded:
        await round_trip(broker, name)
    assert len(_warned(recorded.list)) == 1
    assert TOKEN not in _warned(recorded.list)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second start of the same broker: no warning
        async with broker:
            assert await broker.ping()


@pytest.mark.nats
async def test_warning_for_credentials_in_the_url(nats_plain_token: int, name: str) -> None:
    broker = NatsBroker(f"nats://{TOKEN}@127.0.0.1:{nats_plain_token}")
    with pytest.warns(InsecureCredentialsWarning, match="the credentials in the server URL"):
        await round_trip(broker, name)


@pytest.mark.redis
async def test_warning_for_a_redis_url_password_even_when_connecting_fails() -> None:
    broker = RedisBroker(f"redis://:{PASSWORD}@127.0.0.1:{free_port()}")
    with pytest.warns(InsecureCredentialsWarning, match="the password in the URL") as recorded:
        error = await refused(broker)
    assert PASSWORD not in texts_of(error)
    assert all(PASSWORD not in text for text in _warned(recorded.list))


@pytest.mark.rabbit
async def test_rabbit_warning_spares_guest_and_names_other_passwords() -> None:
    # RabbitMQ's default guest:guest is public knowledge: no warning (warnings are errors).
    async with RabbitBroker(
        "amqp://127.0.0.1:5672/", security=SASLPlaintext("guest", "guest")
    ) as broker:
        assert await broker.ping()
    wrong = "wrong-" + PASSWORD
    broker = RabbitBroker("amqp://127.0.0.1:5672/", security=SASLPlaintext("guest", wrong))
    with pytest.warns(InsecureCredentialsWarning, match="the password of SASLPlaintext"):
        error = await refused(broker)
    assert wrong not in texts_of(error)


@pytest.mark.redis
async def test_no_warning_with_tls(redis_tls: int, pki: Pki) -> None:
    security = SASLPlaintext(USER, PASSWORD, ca_file=pki.ca_file)
    broker: Any = RedisBroker(f"redis://127.0.0.1:{redis_tls}", security=security)
    assert broker._credentials_warning is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        async with broker:
            assert await broker.ping()

"""The security objects themselves: validation, TLS rules, secrets kept out of ``repr``."""

from __future__ import annotations

import dataclasses
import ssl

import pytest
from tls_brokers import Pki

from faststream_fastapi import security
from faststream_fastapi.core.errors import SetupError

SECRET = "hunter2-secret"


@pytest.mark.parametrize(
    "obj",
    [
        security.SASLPlaintext("alice", SECRET),
        security.SASLScram256("alice", SECRET, use_ssl=True),
        security.SASLScram512(username="alice", password=SECRET),
        security.Token(SECRET),
        security.NKeys(seed=SECRET),
    ],
    ids=lambda o: type(o).__name__,
)
def test_repr_and_str_hide_the_secret(obj: security.BaseSecurity) -> None:
    for text in (repr(obj), str(obj), f"{obj!r:>10}"):
        assert SECRET not in text
        assert "***" in text
        assert text.startswith(type(obj).__name__ + "(")


def test_repr_shows_what_is_not_secret() -> None:
    context = ssl.create_default_context()
    text = repr(security.SASLPlaintext("alice", SECRET, ssl_context=context))
    assert text.startswith("SASLPlaintext(username='alice', password=***, ssl_context=<ssl.")
    assert repr(security.BaseSecurity(use_ssl=True)) == "BaseSecurity(use_ssl=True)"


def test_objects_are_frozen_and_the_error_shows_no_secret() -> None:
    obj = security.SASLPlaintext("alice", SECRET)
    with pytest.raises(dataclasses.FrozenInstanceError) as info:
        obj.password = "other"  # type: ignore[misc]
    assert SECRET not in str(info.value)
    assert obj == security.SASLPlaintext("alice", SECRET)


def test_tls_is_on_with_any_tls_material_or_use_ssl() -> None:
    assert not security.BaseSecurity().tls
    assert not security.SASLPlaintext("a", "b").tls
    assert security.BaseSecurity(use_ssl=True).tls
    assert security.BaseSecurity(ssl_context=ssl.create_default_context()).tls
    assert security.BaseSecurity(ca_file="ca.pem").tls
    assert security.SASLScram512("a", "b", cert_file="c.pem", key_file="k.pem").tls
    assert security.BaseSecurity().tls_context() is None


def test_contradictions_are_refused() -> None:
    with pytest.raises(SetupError, match="use_ssl=False contradicts"):
        security.BaseSecurity(ssl_context=ssl.create_default_context(), use_ssl=False)
    with pytest.raises(SetupError, match="key_file= needs cert_file="):
        security.BaseSecurity(key_file="k.pem")
    with pytest.raises(SetupError, match="exactly one of seed=, seed_file= or creds_file="):
        security.NKeys()
    with pytest.raises(SetupError, match="exactly one"):
        security.NKeys(seed="SU", creds_file="user.creds")
    with pytest.raises(SetupError, match="SASLExternal needs TLS with a client certificate"):
        security.SASLExternal(ca_file="ca.pem")


def test_a_context_is_built_from_the_files(pki: Pki) -> None:
    context = security.BaseSecurity(
        ca_file=pki.ca_file, cert_file=pki.cert_file, key_file=pki.key_file
    )
    built = context.tls_context()
    assert built is not None
    assert built.verify_mode == ssl.CERT_REQUIRED and built.check_hostname
    subjects = [dict(x[0] for x in c["subject"]) for c in built.get_ca_certs()]
    assert any("trustme" in s.get("organizationName", "") for s in subjects)
    given = ssl.create_default_context()
    assert security.BaseSecurity(ssl_context=given, ca_file=pki.ca_file).tls_context() is given


@pytest.mark.parametrize(
    ("obj", "protocol", "expected"),
    [
        (security.BaseSecurity(use_ssl=True), "redis", None),
        (security.SASLPlaintext("a", SECRET), "kafka", ("plain", {"type": "plain"})),
        (security.SASLPlaintext("a", SECRET), "amqp", ("userPassword", {"type": "userPassword"})),
        (security.SASLScram256("a", SECRET), "kafka", ("scramSha256", {"type": "scramSha256"})),
        (security.SASLScram512("a", SECRET), "kafka", ("scramSha512", {"type": "scramSha512"})),
        (security.SASLGSSAPI(), "kafka", ("gssapi", {"type": "gssapi"})),
        (
            security.SASLExternal(use_ssl=True, cert_file="c.pem"),
            "amqp",
            ("x509", {"type": "X509"}),
        ),
    ],
)
def test_asyncapi_scheme_names_the_type_only(
    obj: security.BaseSecurity, protocol: str, expected: object
) -> None:
    assert obj.asyncapi_scheme(protocol) == expected


def test_asyncapi_schemes_of_token_nkeys_and_oauth_carry_no_secret() -> None:
    for obj in (security.Token(SECRET), security.NKeys(seed=SECRET), security.SASLOAuthBearer()):
        scheme = obj.asyncapi_scheme("nats")
        assert scheme is not None
        assert SECRET not in repr(scheme)

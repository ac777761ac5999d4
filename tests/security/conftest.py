"""Fixtures: a session-wide throwaway CA, private TLS brokers per module."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest
import tls_brokers
import trustme
from tls_brokers import PASSWORD, TOKEN, USER, Pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return tls_brokers.make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def foreign_context() -> ssl.SSLContext:
    """A context trusting another CA: the private brokers' certificates fail it."""
    context = ssl.create_default_context()
    trustme.CA().configure_trust(context)
    return context


@pytest.fixture(scope="module")
def redis_tls(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Port of a TLS-only redis-server with an ACL user."""
    with tls_brokers.redis_tls(pki, tmp_path_factory.mktemp("redis")) as port:
        yield port


@pytest.fixture(scope="module")
def nats_tls_user(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Port of a nats-server with TLS and a user."""
    cwd = tmp_path_factory.mktemp("nats")
    with tls_brokers.nats(cwd, "--user", USER, "--pass", PASSWORD, tls=pki) as port:
        yield port


@pytest.fixture(scope="module")
def nats_tls_token(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Port of a nats-server with TLS and a token."""
    with tls_brokers.nats(tmp_path_factory.mktemp("nats"), "--auth", TOKEN, tls=pki) as port:
        yield port


@pytest.fixture(scope="module")
def nats_plain_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Port of a nats-server with a token and no TLS: the warning's case."""
    with tls_brokers.nats(tmp_path_factory.mktemp("nats"), "--auth", TOKEN, tls=None) as port:
        yield port

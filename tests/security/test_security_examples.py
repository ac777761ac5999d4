"""The examples of docs/security.md, run: TLS apps against the private brokers, the
Kafka and RabbitMQ ones (no TLS broker here) down to what their clients are given."""

from __future__ import annotations

import runpy
import ssl
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tls_brokers import PASSWORD, TOKEN, USER, Pki

from support import wait_for

EXAMPLES = Path(__file__).parents[2] / "examples" / "security"
WAIT = 20.0


def load(name: str) -> dict[str, Any]:
    return runpy.run_path(str(EXAMPLES / name), run_name=f"security_{Path(name).stem}")


def greet_through(app: Any) -> None:
    with TestClient(app) as client:
        assert client.post("/greet/ann").json() == {"sent": "ann"}
        wait_for(lambda: client.get("/greeted").json() == ["ann"], WAIT)


@pytest.mark.redis
def test_redis_example(redis_tls: int, pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{redis_tls}")
    monkeypatch.setenv("REDIS_CA_FILE", pki.ca_file)
    monkeypatch.setenv("REDIS_USER", USER)
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    greet_through(load("redis_tls.py")["app"])


@pytest.mark.nats
def test_nats_example(nats_tls_token: int, pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATS_URL", f"nats://127.0.0.1:{nats_tls_token}")
    monkeypatch.setenv("NATS_CA_FILE", pki.ca_file)
    monkeypatch.setenv("NATS_TOKEN", TOKEN)
    greet_through(load("nats_tls.py")["app"])


def test_kafka_examples(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_PASSWORD", PASSWORD)
    monkeypatch.setenv("KAFKA_CA_FILE", pki.ca_file)
    aiokafka = load("kafka_sasl.py")["broker"]._transport.options
    assert aiokafka["security_protocol"] == "SASL_SSL"
    assert aiokafka["sasl_mechanism"] == "SCRAM-SHA-512"
    assert isinstance(aiokafka["ssl_context"], ssl.SSLContext)
    confluent = load("confluent_sasl.py")["broker"]._transport.options
    assert (
        confluent.items()
        >= {
            "security.protocol": "sasl_ssl",
            "sasl.mechanisms": "PLAIN",
            "sasl.username": "orders-service",
            "sasl.password": PASSWORD,
            "ssl.ca.location": pki.ca_file,
        }.items()
    )


def test_rabbit_example(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RABBIT_CA_FILE", pki.ca_file)
    monkeypatch.setenv("RABBIT_CERT_FILE", pki.client_cert_file)
    monkeypatch.setenv("RABBIT_KEY_FILE", pki.client_key_file)
    transport = load("rabbit_external.py")["broker"]._transport
    assert transport.url == "amqps://rabbit.internal:5671/orders?auth=external"
    assert isinstance(transport.options["ssl_context"], ssl.SSLContext)

"""The guide's runnable apps (examples/brokers, examples/multi_router.py), each run for real.

Every app is started with ``TestClient`` (its lifespan connects to the broker on
127.0.0.1), receives an order over HTTP, and must show the result of a full round
trip: HTTP route -> broker -> subscriber with Depends and Header -> publisher ->
broker -> second subscriber -> HTTP route. Order ids are random, so messages left
on a durable queue or topic by an earlier run cannot satisfy a check.
"""

from __future__ import annotations

import asyncio
import runpy
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

EXAMPLES = Path(__file__).parents[2] / "examples"
WAIT = 30.0


def load(relative: str) -> dict[str, Any]:
    path = EXAMPLES / relative
    return runpy.run_path(str(path), run_name=f"docs_{path.stem}")


def poll(fetch: Callable[[], Any], done: Callable[[Any], bool]) -> Any:
    deadline = time.monotonic() + WAIT
    while True:
        value = fetch()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"not done within {WAIT:.0f} s; last: {value!r}"
        time.sleep(0.05)


def new_id() -> int:
    return uuid.uuid4().int % 10**9


# --8<-- [start:broker_round_trip]
@pytest.mark.parametrize(
    "broker",
    [
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("nats", marks=pytest.mark.nats),
        pytest.param("rabbit", marks=pytest.mark.rabbit),
        pytest.param("kafka", marks=pytest.mark.kafka),
        pytest.param("confluent", marks=pytest.mark.kafka),
    ],
)
def test_broker_app_round_trip(broker: str) -> None:
    ns = load(f"brokers/{broker}_app.py")
    order_id = new_id()
    with TestClient(ns["app"]) as client:
        reply = client.post(
            "/orders", json={"id": order_id, "item": "pen", "qty": 3}, headers={"X-User": "ann"}
        )
        assert reply.status_code == 202
        assert reply.json() == {"queued": order_id}
        events = poll(
            lambda: client.get("/orders/accepted").json(),
            lambda got: any(e["id"] == order_id for e in got),
        )
    event = next(e for e in events if e["id"] == order_id)
    # Header() read the X-User header the HTTP route forwarded; Depends gave the Stock.
    assert event == {"id": order_id, "user": "ann", "reserved": 3}
    assert ns["stock"].reserved == {"pen": 3}
    assert not ns["router"].broker.running
    # --8<-- [end:broker_round_trip]


@pytest.mark.redis
@pytest.mark.nats
def test_multi_router_app_round_trip() -> None:
    ns = load("multi_router.py")
    orders, billing, notices = ns["orders"], ns["billing"], ns["notices"]
    order_id = new_id()
    with TestClient(ns["app"]) as client:
        # Nesting: one Redis connection for both routers; NATS is a second broker.
        assert billing.broker.root() is orders.broker
        assert billing.broker.transport is orders.broker.transport
        assert orders.broker.running and notices.broker.running
        reply = client.post(
            "/orders", json={"id": order_id, "amount": 10}, headers={"X-User": "bo"}
        )
        assert reply.status_code == 202
        invoices = poll(
            lambda: client.get("/invoices").json(),
            lambda got: any(i["order"] == order_id for i in got),
        )
        assert {"order": order_id, "user": "bo", "total": 12.0} in invoices
        poll(
            lambda: client.get("/notices").json(),
            lambda got: f"invoice for order {order_id}" in got,
        )
        redis_doc = client.get("/asyncapi.json").json()
        nats_doc = client.get("/asyncapi/notices.json").json()
    # The nested router's subscriber is documented with the Redis broker's.
    assert any(name.startswith("billing.due") for name in redis_doc["channels"])
    assert any(name.startswith("notices.invoiced") for name in nats_doc["channels"])
    assert not orders.broker.running and not notices.broker.running


@pytest.mark.parametrize("path", ["brokers/test_redis_app.py", "standalone/test_app.py"])
def test_testing_examples_pass_without_a_broker(path: str) -> None:
    """The testing page's examples: run with pytest, as a user would, from their folder."""
    folder, name = (EXAMPLES / path).parent, (EXAMPLES / path).name
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", name],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.nats
def test_standalone_app_runs_with_the_command_from_its_docstring() -> None:
    """``faststream-fastapi run examples.standalone.app:asgi --env prod``, then SIGTERM."""
    import httpx

    from faststream_fastapi.nats import NatsBroker

    port = free_port()
    command = [sys.executable, "-m", "faststream_fastapi", "run", "examples.standalone.app:asgi"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--env", "prod"],
        cwd=EXAMPLES.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def live() -> int:
            try:
                return httpx.get(f"{base}/livez").status_code
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                return 0

        poll(live, lambda status: status == 204)
        assert httpx.get(f"{base}/readyz").status_code == 204
        assert httpx.get(f"{base}/asyncapi.json").json()["info"]["title"] == "greeter"

        async def ask() -> str:
            async with NatsBroker("nats://127.0.0.1:4222") as broker:
                reply = await broker.request("Ann", "greetings", timeout=10.0)
                return str(reply.decoded())

        assert asyncio.run(ask()) == "Hello, Ann! (prod)"
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert server.returncode == 0, output


def _probes(manifest: dict[str, Any]) -> dict[str, str]:
    container = manifest["spec"]["template"]["spec"]["containers"][0]
    return {
        kind: container[kind]["httpGet"]["path"]
        for kind in ("startupProbe", "livenessProbe", "readinessProbe")
    }


@pytest.mark.nats
def test_production_service_probes_match_the_manifest() -> None:
    import yaml

    manifest = yaml.safe_load((EXAMPLES / "production" / "k8s.yaml").read_text())
    probes = _probes(manifest)
    ns = load("production/service.py")
    router = ns["router"]
    # The pod waits for in-flight messages longer than the broker does.
    grace = manifest["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace > router.broker.graceful_timeout
    command = manifest["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[:3] == ["faststream-fastapi", "run", "examples.production.service:app"]

    idle = TestClient(ns["app"])  # no lifespan: the broker is not connected
    assert idle.get(probes["livenessProbe"]).status_code == 204
    assert idle.get(probes["readinessProbe"]).status_code == 503
    with TestClient(ns["app"]) as client:
        for path in probes.values():
            assert client.get(path).status_code == 204, path
    assert TestClient(ns["app"]).get(probes["readinessProbe"]).status_code == 503


@pytest.mark.nats
def test_asgi_probe_snippet_matches_the_asgi_example() -> None:
    import yaml

    probes = yaml.safe_load((EXAMPLES / "production" / "k8s-asgi.yaml").read_text())
    ns = load("asgi/app_reuse.py")
    with TestClient(ns["app"]) as client:
        assert client.get(probes["livenessProbe"]["httpGet"]["path"]).status_code == 200
        assert client.get(probes["readinessProbe"]["httpGet"]["path"]).status_code == 204
    assert probes["readinessProbe"]["timeoutSeconds"] > 5.0


@pytest.mark.rabbit
def test_ack_policies_example_on_rabbitmq() -> None:
    ns = load("ack_policies.py")
    router = ns["router"]
    bad, good, flaky, small, large = (new_id() for _ in range(5))
    with TestClient(ns["app"]) as client:

        def publish(body: dict[str, Any], queue: str) -> None:
            client.portal.call(router.broker.publish, body, queue)

        publish({"id": bad, "amount": 0}, "payments")
        publish({"id": good, "amount": 5}, "payments")
        publish({"id": flaky, "amount": 5}, "refunds")
        publish({"id": large, "amount": 5000}, "reviews")
        publish({"id": small, "amount": 5}, "reviews")
        state = poll(
            lambda: client.get("/payments").json(),
            lambda s: {good, flaky, small} <= set(s["settled"]) and bad in s["dead"],
        )
    # REJECT_ON_ERROR dead-lettered the failing payment; NACK_ON_ERROR retried the refund
    # until it succeeded; MANUAL rejected the large review, which therefore never settled.
    assert bad not in state["settled"]
    assert state["attempts"][str(flaky)] == 3
    assert large not in state["settled"] and large not in state["dead"]

"""Every python block of the ASGI page (seed 001), as files in examples/asgi, run for real."""

from __future__ import annotations

import os
import runpy
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

EXAMPLES = Path(__file__).parents[2] / "examples" / "asgi"

pytestmark = pytest.mark.nats


def load(name: str) -> dict[str, Any]:
    return runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name=f"seed001_{name}")


def test_the_app_itself_is_an_asgi_lifespan() -> None:
    ns = load("basic")
    broker = ns["broker"]
    with TestClient(ns["app"]) as client:
        assert broker.running
        answer = client.get("/")
        assert (answer.status_code, answer.text) == (404, "Not Found")
    assert not broker.running and not broker.connected


def test_health_route_pings_the_broker() -> None:
    ns = load("health")
    with TestClient(ns["app"]) as client:
        assert client.get("/health").status_code == 204
    # Outside the lifespan the broker is closed: the probe says so.
    assert TestClient(ns["app"]).get("/health").status_code == 500


def test_custom_get_route() -> None:
    ns = load("custom_route")
    with TestClient(ns["app"]) as client:
        answer = client.get("/health")
        assert (answer.status_code, answer.content) == (200, b"")
        assert client.post("/health").headers["allow"] == "GET, HEAD"


def test_asyncapi_path() -> None:
    ns = load("asyncapi_docs")
    with TestClient(ns["app"]) as client:
        page = client.get("/docs")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert client.get("/docs/static/asyncapi-react.js").status_code == 200
        document = client.get("/docs.json").json()
        assert document["info"]["title"] == "FastStream"
        assert document["servers"]["development"]["protocol"] == "nats"


def test_faststream_object_reuse() -> None:
    ns = load("app_reuse")
    with TestClient(ns["app"]) as client:
        assert client.get("/liveness").status_code == 200
        assert client.get("/readiness").status_code == 204
        assert client.get("/docs.json").json()["asyncapi"] == "3.0.0"


def test_endpoints_mounted_in_fastapi() -> None:
    ns = load("fastapi_mount")
    with TestClient(ns["app"]) as client:
        assert client.get("/health").status_code == 204  # via the redirect to /health/
        page = client.get("/asyncapi")
        assert page.status_code == 200 and 'data-schema-url="asyncapi.json"' in page.text
        assert client.get("/asyncapi/asyncapi.json").json()["asyncapi"] == "3.0.0"


def test_the_cli_runs_the_reuse_example() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "faststream_fastapi", "run", "app_reuse:app", "--port", str(port)],
        cwd=EXAMPLES,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        status = None
        with httpx.Client(timeout=5) as client:
            while status != 204:
                assert proc.poll() is None, "the CLI exited early"
                assert time.monotonic() < deadline, "not ready in time"
                try:
                    status = client.get(f"http://127.0.0.1:{port}/readiness").status_code
                except httpx.TransportError:
                    time.sleep(0.05)
            assert client.get(f"http://127.0.0.1:{port}/liveness").status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)

"""The documented scrape URL, ``/metrics``, answers a plain GET with 200, no redirect."""

from __future__ import annotations

import runpy
import socket
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from support import spawn

ROOT = Path(__file__).parents[2]
EXAMPLES = ("metrics_fastapi", "metrics_asgi")


def load(name: str) -> dict[str, Any]:
    return runpy.run_path(str(ROOT / "examples" / "observability" / f"{name}.py"))


@pytest.mark.parametrize("name", EXAMPLES)
async def test_get_metrics_answers_200_without_a_redirect(name: str) -> None:
    app = load(name)["app"]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/metrics", follow_redirects=False)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")


async def test_a_mount_would_redirect_as_the_guide_says() -> None:
    from fastapi import FastAPI

    from faststream_fastapi.prometheus import CollectorRegistry, make_asgi_app

    app = FastAPI()
    app.mount("/metrics", make_asgi_app(CollectorRegistry()))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/metrics", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"].endswith("/metrics/")


def test_the_guide_documents_the_scrape_path_that_answers() -> None:
    page = (ROOT / "docs" / "observability.md").read_text()
    assert "curl localhost:8000/metrics" in page
    for name in EXAMPLES:
        source = (ROOT / "examples" / "observability" / f"{name}.py").read_text()
        assert "curl localhost:8000/metrics\n" in source
        assert 'mount("/metrics"' not in source


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.redis
def test_a_plain_get_of_metrics_on_the_running_fastapi_example(tmp_path: Path) -> None:
    """``faststream-fastapi run`` the example, then GET /metrics as curl does."""
    port = free_port()
    command = [sys.executable, "-m", "faststream_fastapi", "run"]
    command += ["examples.observability.metrics_fastapi:app", "--port", str(port)]
    command += ["--app-dir", str(ROOT)]
    with spawn(tmp_path, *command) as proc:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/metrics", follow_redirects=False)
                break
            except httpx.TransportError:
                assert proc.poll() is None, (tmp_path / "output.log").read_text()
                assert time.monotonic() < deadline, "the example did not start"
                time.sleep(0.1)
        proc.terminate()
        assert proc.wait(30) == 0
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")

"""The examples of docs/observability.md, run: in process, or in a subprocess when they
configure process-wide state (logging, the global tracer provider)."""

from __future__ import annotations

import importlib.util
import json
import os
import runpy
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from faststream_fastapi.redis import TestRedisBroker

EXAMPLES = Path(__file__).parents[2] / "examples" / "observability"


def load(name: str) -> dict[str, Any]:
    return runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name=f"obs_{name}")


def run(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(EXAMPLES.parents[1])}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=EXAMPLES.parents[1],
        check=False,
    )


def run_main(name: str) -> subprocess.CompletedProcess[str]:
    return run(
        f"import runpy; runpy.run_path('examples/observability/{name}.py', run_name='__main__')"
    )


async def test_metrics_fastapi_example_counts_by_pattern() -> None:
    ns = load("metrics_fastapi")
    router, app = ns["router"], ns["app"]
    async with TestRedisBroker(router.broker):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            order = {"id": 1, "amount": 10.0}
            assert (await client.post("/orders/eu", json=order)).json() == "queued"
            assert (await client.post("/orders/us", json=order)).json() == "queued"
            text = (await client.get("/metrics")).text
    processed = 'faststream_received_processed_messages_total{app_name="faststream",broker="redis",'
    assert processed in text
    assert 'handler="orders.{region}",status="acked"} 2.0' in text
    published = 'faststream_published_messages_total{app_name="faststream",broker="redis",'
    assert published + 'destination="invoices"' in text


async def test_metrics_asgi_example_serves_metrics_and_health() -> None:
    ns = load("metrics_asgi")
    async with TestRedisBroker(ns["broker"]) as br:
        await br.publish(7, "jobs")
        transport = httpx.ASGITransport(app=ns["app"])
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            text = (await client.get("/metrics")).text
            health = await client.get("/health")
    received = 'faststream_received_messages_total{app_name="faststream",broker="redis",'
    assert received + 'handler="jobs"} 1.0' in text
    assert health.status_code == 204  # healthy: the ping succeeded


def test_logging_config_example_prints_ids_on_every_line() -> None:
    result = run_main("logging_config")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3, lines
    assert all("[orders " in line and " checkout-1] " in line for line in lines)
    assert lines[0].endswith("handling order 42")
    assert " shop [orders " in lines[1] and lines[1].endswith("reserved stock")
    assert "orders: acked in " in lines[2]
    message_ids = {line.split("[orders ", 1)[1].split()[0] for line in lines}
    assert len(message_ids) == 1 and message_ids != {"None"}


def test_structlog_example_prints_json_with_the_context() -> None:
    result = run_main("logging_structlog")
    assert result.returncode == 0, result.stderr
    user, processed = (json.loads(line) for line in result.stderr.strip().splitlines())
    assert user["event"] == "order accepted" and user["order_id"] == 42
    assert user["correlation_id"] == "checkout-1" and user["destination"] == "orders"
    assert processed["status"] == "acked" and processed["message_id"] == user["message_id"]


def test_structlog_contextvars_example_binds_the_ids_per_message() -> None:
    result = run_main("logging_structlog_contextvars")
    assert result.returncode == 0, result.stderr
    inside, outside = (json.loads(line) for line in result.stdout.strip().splitlines())
    assert inside["event"] == "order accepted" and inside["correlation_id"] == "checkout-1"
    assert inside["destination"] == "orders" and inside["message_id"]
    assert outside == {"event": "outside", "level": "info"}


@pytest.mark.redis
def test_tracing_example_puts_http_publish_and_consume_in_one_trace() -> None:
    result = run(
        """
        import runpy, time
        from fastapi.testclient import TestClient
        ns = runpy.run_path("examples/observability/tracing_fastapi.py", run_name="obs")
        with TestClient(ns["app"]) as client:
            time.sleep(0.1)
            assert client.post("/orders/7").json() == "queued"
            time.sleep(0.5)
        ns["provider"].force_flush()
        """
    )
    assert result.returncode == 0, result.stderr
    spans = _json_objects(result.stdout)
    kinds = {s["kind"]: s for s in spans}
    assert {"SpanKind.PRODUCER", "SpanKind.CONSUMER"} <= set(kinds)
    if importlib.util.find_spec("opentelemetry.instrumentation.fastapi") is not None:
        assert "SpanKind.SERVER" in kinds
    trace_ids = {kinds[k]["context"]["trace_id"] for k in kinds if k != "SpanKind.INTERNAL"}
    assert len(trace_ids) == 1
    assert kinds["SpanKind.CONSUMER"]["name"] == "orders process"


def _json_objects(text: str) -> list[dict[str, Any]]:
    decoder, out, i = json.JSONDecoder(), [], 0
    while True:
        i = text.find("{", i)
        if i < 0:
            return out
        obj, i = decoder.raw_decode(text, i)
        out.append(obj)


def test_fastapi_metrics_example_mounts_with_testclient() -> None:
    ns = load("metrics_fastapi")
    with TestClient(ns["app"]) as client:  # lifespan-less app: the router starts with it
        assert client.get("/metrics").status_code == 200

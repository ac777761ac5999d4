"""Prometheus metrics for a broker-only service: ``AsgiFastStream`` serves ``/metrics``.

uvicorn examples.observability.metrics_asgi:app
curl localhost:8000/metrics
"""

from faststream_fastapi.asgi import AsgiFastStream, make_ping_asgi
from faststream_fastapi.prometheus import CollectorRegistry, PrometheusMiddleware, make_asgi_app
from faststream_fastapi.redis import RedisBroker

registry = CollectorRegistry()
broker = RedisBroker(
    "redis://localhost:6379", middlewares=[PrometheusMiddleware(registry=registry)]
)


@broker.subscriber("jobs")
async def run_job(job_id: int) -> None: ...


app = AsgiFastStream(
    broker,
    asgi_routes=[
        ("/metrics", make_asgi_app(registry)),
        ("/health", make_ping_asgi(broker, timeout=5.0)),
    ],
)

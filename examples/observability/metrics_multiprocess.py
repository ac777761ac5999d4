"""Prometheus metrics of several worker processes, served as one ``/metrics``.

rm -rf /tmp/metrics && mkdir /tmp/metrics      # an empty directory at every start
export PROMETHEUS_MULTIPROC_DIR=/tmp/metrics   # before any worker's Python starts
faststream-fastapi run examples.observability.metrics_multiprocess:app --workers 4
curl localhost:8000/metrics
"""

from faststream_fastapi.asgi import AsgiFastStream, make_ping_asgi
from faststream_fastapi.nats import NatsBroker
from faststream_fastapi.prometheus import PrometheusMiddleware, make_asgi_app, metrics_registry

# No registry=: each worker writes its own metrics (to the directory, in multiprocess mode).
broker = NatsBroker("nats://localhost:4222", middlewares=[PrometheusMiddleware()])


@broker.subscriber("jobs", queue="workers")  # a queue group: each job goes to one worker
async def run_job(job_id: int) -> None: ...


app = AsgiFastStream(
    broker,
    asgi_routes=[
        # Whichever worker answers, it reports the totals of all of them.
        ("/metrics", make_asgi_app(metrics_registry())),
        ("/health", make_ping_asgi(broker, timeout=5.0)),
    ],
)

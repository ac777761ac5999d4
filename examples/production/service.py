"""A FastAPI service shaped for production: probes, a bounded graceful shutdown.

``faststream-fastapi run examples.production.service:app --host 0.0.0.0 --port 8000``
(add ``--workers 4`` for four processes, each with its own broker connection).
"""

import os

from fastapi import FastAPI, Response
from pydantic import BaseModel

from faststream_fastapi.nats.fastapi import Logger, NatsRouter

router = NatsRouter(
    os.environ.get("NATS_URL", "nats://127.0.0.1:4222"),
    # On shutdown, handlers already running get this long to finish.
    graceful_timeout=20.0,
)


class Job(BaseModel):
    id: int


@router.subscriber("jobs", queue="workers")  # a queue group: each job goes to one process
async def work(job: Job, logger: Logger) -> None:
    logger.info("job %s done", job.id)


@router.get("/livez", include_in_schema=False)
async def live() -> Response:
    # The process answers: it is alive. Never check the broker here, or a broker
    # outage makes Kubernetes restart every pod at once.
    return Response(status_code=204)


@router.get("/readyz", include_in_schema=False)
async def ready() -> Response:
    # Ready only while the broker answers; otherwise take this pod out of the Service.
    alive = router.broker.running and await router.broker.ping(timeout=2.0)
    return Response(status_code=204 if alive else 503)


app = FastAPI(title="jobs", lifespan=router.lifespan_context)
app.include_router(router)

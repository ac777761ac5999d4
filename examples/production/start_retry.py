"""A FastAPI service that starts even while Redis is down, and connects when it comes up.

``faststream-fastapi run examples.production.start_retry:app``
"""

import os

from fastapi import FastAPI, HTTPException, Response

from faststream_fastapi import Backoff
from faststream_fastapi.core.errors import PublishError
from faststream_fastapi.redis.fastapi import Logger, RedisRouter

router = RedisRouter(
    os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"),
    # Unreachable at startup: serve HTTP anyway, not ready, and retry after
    # 0.5 s, 1 s, 2 s, ... at most 30 s apart (each shortened by up to 20% at random).
    start_retry=Backoff(initial=0.5, max=30.0, factor=2.0, jitter=0.2),
)
router.add_ready_route("/readyz", timeout=2.0)  # 503 until the broker has started
handled: list[str] = []


@router.subscriber(list="emails")
async def send_email(address: str, logger: Logger) -> None:
    handled.append(address)
    logger.info("email sent to %s", address)


@router.post("/emails", status_code=202)
async def queue_email(address: str) -> dict[str, str]:
    try:
        await router.broker.publish(address, list="emails")
    except PublishError as exc:  # NotConnectedError while the start is being retried
        raise HTTPException(503, "email is unavailable, retry later") from exc
    return {"queued": address}


@router.get("/livez", include_in_schema=False)
async def live() -> Response:
    return Response(status_code=204)  # alive whether or not Redis is


app = FastAPI(title="emails", lifespan=router.lifespan_context)
app.include_router(router)

"""Prometheus metrics for a FastAPI service that consumes and publishes on Redis.

uvicorn examples.observability.metrics_fastapi:app
curl localhost:8000/metrics
"""

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from faststream_fastapi.prometheus import CollectorRegistry, PrometheusMiddleware
from faststream_fastapi.redis.fastapi import RedisRouter

registry = CollectorRegistry()
router = RedisRouter(
    "redis://localhost:6379",
    middlewares=[PrometheusMiddleware(registry=registry)],
)


class Order(BaseModel):
    id: int
    amount: float


@router.subscriber("orders.{region}")  # one label, "orders.{region}", whatever the region
@router.publisher("invoices")
async def bill(order: Order) -> dict[str, float]:
    return {"order": order.id, "total": order.amount * 1.2}


@router.post("/orders/{region}")
async def create(region: str, order: Order) -> str:
    await router.broker.publish(order, f"orders.{region}")
    return "queued"


app = FastAPI()
app.include_router(router)


# A route answers GET /metrics itself with 200; a Starlette mount at /metrics would
# answer it with a 307 redirect to /metrics/.
@app.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

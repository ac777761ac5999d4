"""Orders over Redis: an HTTP route publishes, a subscriber takes them with FastAPI's tools.

Run it with ``uvicorn examples.brokers.redis_app:app`` (Redis on 127.0.0.1:6379, or set
``REDIS_URL``), then ``curl -X POST localhost:8000/orders -H 'X-User: ann'
-H 'content-type: application/json' -d '{"id": 1, "item": "pen"}'``
and ``curl localhost:8000/orders/accepted``.
"""

# --8<-- [start:setup]
import os
from typing import Annotated

from fastapi import Depends, FastAPI, Header
from pydantic import BaseModel, Field

from faststream_fastapi.redis.fastapi import Logger, RedisRouter

router = RedisRouter(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"))
# --8<-- [end:setup]


# --8<-- [start:order]
class Order(BaseModel):
    id: int
    item: str
    qty: int = Field(1, gt=0)
    # --8<-- [end:order]


class Stock:
    """Stands in for what a handler needs: a database session, a client, ..."""

    def __init__(self) -> None:
        self.reserved: dict[str, int] = {}

    def reserve(self, order: Order) -> int:
        self.reserved[order.item] = self.reserved.get(order.item, 0) + order.qty
        return self.reserved[order.item]


stock = Stock()
accepted: list[dict] = []


def get_stock() -> Stock:
    return stock


# --8<-- [start:take_order]
@router.subscriber("orders")
@router.publisher("orders-accepted")
async def take_order(
    order: Order,
    logger: Logger,
    stock: Annotated[Stock, Depends(get_stock)],
    x_user: Annotated[str, Header()] = "anonymous",
) -> dict:
    reserved = stock.reserve(order)
    logger.info("order %s: %s x %s for %s", order.id, order.qty, order.item, x_user)
    return {"id": order.id, "user": x_user, "reserved": reserved}
    # --8<-- [end:take_order]


@router.subscriber("orders-accepted")
async def record(event: dict) -> None:
    accepted.append(event)


# --8<-- [start:place_order]
@router.post("/orders", status_code=202)
async def place_order(order: Order, x_user: Annotated[str, Header()] = "web") -> dict:
    await router.broker.publish(order, "orders", headers={"X-User": x_user})
    return {"queued": order.id}
    # --8<-- [end:place_order]


@router.get("/orders/accepted")
async def list_accepted() -> list[dict]:
    return accepted


# --8<-- [start:app]
app = FastAPI(title="orders over Redis", lifespan=router.lifespan_context)
app.include_router(router)
# --8<-- [end:app]

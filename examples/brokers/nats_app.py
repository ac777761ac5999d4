"""Orders over NATS: an HTTP route publishes, a subscriber takes them with FastAPI's tools.

Run it with ``uvicorn examples.brokers.nats_app:app`` (NATS on 127.0.0.1:4222, or set
``NATS_URL``), then ``curl -X POST localhost:8000/orders -H 'X-User: ann'
-H 'content-type: application/json' -d '{"id": 1, "item": "pen"}'``
and ``curl localhost:8000/orders/accepted``.
"""

import os
from typing import Annotated

from fastapi import Depends, FastAPI, Header
from pydantic import BaseModel, Field

from faststream_fastapi.nats.fastapi import Logger, NatsRouter

router = NatsRouter(os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))


class Order(BaseModel):
    id: int
    item: str
    qty: int = Field(1, gt=0)


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


@router.subscriber("orders-accepted")
async def record(event: dict) -> None:
    accepted.append(event)


@router.post("/orders", status_code=202)
async def place_order(order: Order, x_user: Annotated[str, Header()] = "web") -> dict:
    await router.broker.publish(order, "orders", headers={"X-User": x_user})
    return {"queued": order.id}


@router.get("/orders/accepted")
async def list_accepted() -> list[dict]:
    return accepted


app = FastAPI(title="orders over NATS", lifespan=router.lifespan_context)
app.include_router(router)

"""One FastAPI app, three message routers.

- ``orders`` and ``billing`` are Redis routers. ``billing`` is nested into ``orders``:
  its subscribers move onto the ``orders`` broker, so both share one connection and
  ``billing.broker`` publishes through it.
- ``notices`` talks to NATS, a second connection, so the app's own lifespan starts
  both top-level routers.

Run it with ``uvicorn examples.multi_router:app`` (Redis on 127.0.0.1:6379 and NATS on
127.0.0.1:4222, or set ``REDIS_URL`` and ``NATS_URL``).
"""

import os
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Header
from pydantic import BaseModel

from faststream_fastapi.nats.fastapi import NatsRouter
from faststream_fastapi.redis.fastapi import Logger, RedisRouter

orders = RedisRouter(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"))
billing = RedisRouter()  # nested below: it never connects by itself
# A second broker; its AsyncAPI page gets its own path next to the Redis one.
notices = NatsRouter(
    os.environ.get("NATS_URL", "nats://127.0.0.1:4222"), schema_url="/asyncapi/notices"
)


class Order(BaseModel):
    id: int
    amount: float


invoices: list[dict] = []
sent: list[str] = []


@orders.subscriber("orders.placed")
@orders.publisher("billing.due")
async def price(order: Order, logger: Logger, x_user: Annotated[str, Header()]) -> dict:
    logger.info("pricing order %s for %s", order.id, x_user)
    return {"order": order.id, "user": x_user, "total": round(order.amount * 1.2, 2)}


@billing.subscriber("billing.due")
async def invoice(due: dict) -> None:
    invoices.append(due)
    await notices.broker.publish(f"invoice for order {due['order']}", "notices.invoiced")


@billing.get("/invoices")
async def list_invoices() -> list[dict]:
    return invoices


@notices.subscriber("notices.invoiced")
async def notify(text: str) -> None:
    sent.append(text)


@notices.get("/notices")
async def list_notices() -> list[str]:
    return sent


@orders.post("/orders", status_code=202)
async def place(order: Order, x_user: Annotated[str, Header()] = "web") -> dict:
    await orders.broker.publish(order, "orders.placed", headers={"X-User": x_user})
    return {"queued": order.id}


orders.include_router(billing)  # nesting: after billing's declarations


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with orders.lifespan_context(app), notices.lifespan_context(app):
        yield


app = FastAPI(title="orders, billing and notices", lifespan=lifespan)
app.include_router(orders)
app.include_router(notices)

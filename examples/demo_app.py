"""The demo service: HTTP in, NATS through, handlers with FastAPI dependencies."""

import os
from typing import Annotated

from fastapi import BackgroundTasks, FastAPI, Header, Path
from pydantic import BaseModel, Field

from faststream_fastapi.nats.fastapi import Logger, NatsRouter

router = NatsRouter(os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
events: list[str] = []


class Order(BaseModel):
    id: int
    item: str
    qty: int = Field(1, gt=0, description="how many")


@router.subscriber("orders.placed.{region}")
@router.publisher("orders.accepted")
async def take_order(
    order: Order,
    region: Annotated[str, Path()],
    logger: Logger,
    x_user: Annotated[str, Header()] = "anonymous",
) -> dict[str, object]:
    """Accept an order placed in a region."""
    logger.info("order %s from %s in %s", order.id, x_user, region)
    events.append(
        f"take_order: order {order.id} ({order.qty} x {order.item}) by {x_user} in {region}"
    )
    return {"id": order.id, "region": region}


@router.subscriber("orders.accepted")
async def audit(accepted: dict[str, object], tasks: BackgroundTasks) -> None:
    """Record accepted orders; the write happens after the message is acked."""
    tasks.add_task(events.append, f"audit: accepted {accepted}")


@router.post("/orders/{region}")
async def place_order(order: Order, region: str) -> dict[str, bool]:
    await router.broker.publish(order, f"orders.placed.{region}", headers={"X-User": "demo-user"})
    return {"queued": True}


@router.get("/events")
async def list_events() -> list[str]:
    return events


app = FastAPI(title="faststream_fastapi demo", lifespan=router.lifespan_context)
app.include_router(router)

from typing import Annotated

from fastapi import Depends, FastAPI, Header
from pydantic import BaseModel

from faststream_fastapi.redis.fastapi import Logger, RedisRouter

router = RedisRouter("redis://localhost:6379")


class Order(BaseModel):
    id: int


async def get_db() -> str:
    return "db"


@router.subscriber("orders")
@router.publisher("orders.accepted")
async def take(
    order: Order,
    logger: Logger,
    db: Annotated[str, Depends(get_db)],
    x_user: Annotated[str, Header()] = "anonymous",
) -> dict:
    logger.info("order %s from %s", order.id, x_user)
    return {"id": order.id, "accepted": True}


app = FastAPI(lifespan=router.lifespan_context)
app.include_router(router)

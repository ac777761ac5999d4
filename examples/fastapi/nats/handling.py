from fastapi import Depends, FastAPI
from pydantic import BaseModel

from faststream_fastapi.nats.fastapi import Logger, NatsRouter

router = NatsRouter("nats://localhost:4222")


class Incoming(BaseModel):
    m: dict


def call():
    return True


@router.subscriber("test")
@router.publisher("response")
async def hello(m: Incoming, logger: Logger, d=Depends(call)):
    logger.info(m)
    return {"response": "Hello, NATS!"}


@router.get("/")
async def hello_http():
    return "Hello, HTTP!"


app = FastAPI(lifespan=router.lifespan_context)
app.include_router(router)

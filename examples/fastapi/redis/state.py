from fastapi import FastAPI, Request

from faststream_fastapi.redis.fastapi import RedisRouter

router = RedisRouter("redis://localhost:6379")
app = FastAPI(lifespan=router.lifespan_context)
app.include_router(router)


@app.get("/")
def main(request: Request):
    broker = request.state.broker
    return type(broker).__name__

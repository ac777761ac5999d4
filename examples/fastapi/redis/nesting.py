from fastapi import FastAPI

from faststream_fastapi.redis.fastapi import RedisRouter

core_router = RedisRouter()
nested_router = RedisRouter()


@core_router.subscriber("core-channel")
async def handler(): ...


@nested_router.subscriber("nested-channel")
async def nested_handler(): ...


core_router.include_router(nested_router)

app = FastAPI(lifespan=core_router.lifespan_context)
app.include_router(core_router)

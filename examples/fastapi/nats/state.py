from fastapi import FastAPI, Request

from faststream_fastapi.nats.fastapi import NatsRouter

router = NatsRouter("nats://localhost:4222")
app = FastAPI(lifespan=router.lifespan_context)
app.include_router(router)


@app.get("/")
def main(request: Request):
    broker = request.state.broker
    return type(broker).__name__

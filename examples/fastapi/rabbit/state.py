from fastapi import FastAPI, Request

from faststream_fastapi.rabbit.fastapi import RabbitRouter

router = RabbitRouter("amqp://guest:guest@localhost:5672/")
app = FastAPI(lifespan=router.lifespan_context)
app.include_router(router)


@app.get("/")
def main(request: Request):
    broker = request.state.broker
    return type(broker).__name__

from fastapi import FastAPI, Request

from faststream_fastapi.kafka.fastapi import KafkaRouter

router = KafkaRouter("localhost:9092")
app = FastAPI(lifespan=router.lifespan_context)
app.include_router(router)


@app.get("/")
def main(request: Request):
    broker = request.state.broker
    return type(broker).__name__

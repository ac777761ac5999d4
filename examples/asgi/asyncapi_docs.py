from faststream_fastapi.asgi import AsgiFastStream
from faststream_fastapi.nats import NatsBroker

broker = NatsBroker()

app = AsgiFastStream(
    broker,
    asyncapi_path="/docs",
)

from faststream_fastapi.asgi import AsgiFastStream, AsgiResponse, get
from faststream_fastapi.nats import NatsBroker

broker = NatsBroker()


@get
async def liveness_ping(scope):
    return AsgiResponse(b"", status_code=200)


app = AsgiFastStream(broker, asgi_routes=[("/health", liveness_ping)])

from faststream_fastapi import FastStream

# The seed's block uses ``@get`` without importing it; it is imported here.
from faststream_fastapi.asgi import AsgiResponse, get, make_ping_asgi
from faststream_fastapi.nats import NatsBroker

broker = NatsBroker()


@get
async def liveness_ping(scope):
    return AsgiResponse(b"", status_code=200)


app = FastStream(broker).as_asgi(
    asgi_routes=[
        ("/liveness", liveness_ping),
        ("/readiness", make_ping_asgi(broker, timeout=5.0)),
    ],
    asyncapi_path="/docs",
)

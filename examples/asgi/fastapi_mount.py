from contextlib import asynccontextmanager

from fastapi import FastAPI

from faststream_fastapi import FastStream
from faststream_fastapi.asgi import make_asyncapi_asgi, make_ping_asgi
from faststream_fastapi.nats import NatsBroker

broker = NatsBroker()


@asynccontextmanager
async def start_broker(app):
    """Start the broker with the app."""
    async with broker:
        await broker.start()
        yield


app = FastAPI(lifespan=start_broker)

app.mount("/health", make_ping_asgi(broker, timeout=5.0))
app.mount("/asyncapi", make_asyncapi_asgi(FastStream(broker)))

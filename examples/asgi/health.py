from faststream_fastapi.asgi import AsgiFastStream, make_ping_asgi
from faststream_fastapi.nats import NatsBroker

broker = NatsBroker()

app = AsgiFastStream(
    broker,
    asgi_routes=[
        ("/health", make_ping_asgi(broker, timeout=5.0)),
    ],
)

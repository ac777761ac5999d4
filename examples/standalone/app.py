"""A service without FastAPI: a NATS subscriber, lifecycle hooks, probes and AsyncAPI docs.

``faststream-fastapi run examples.standalone.app:app --env prod`` serves it over HTTP
(the probes and the docs); ``--env`` reaches the ``on_startup`` hook.
"""

import os

from faststream_fastapi import FastStream, Logger
from faststream_fastapi.asgi import AsgiResponse, get, make_ping_asgi
from faststream_fastapi.nats import NatsBroker

broker = NatsBroker(os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
settings: dict[str, str] = {}


# A queue group: with several worker processes, each greeting goes to one of them.
@broker.subscriber("greetings", queue="greeters")
@broker.publisher("greetings.done")
async def greet(name: str, logger: Logger) -> str:
    logger.info("greeting %s", name)
    return f"Hello, {name}! ({settings['env']})"


app = FastStream(broker, title="greeter", version="1.0.0")


@app.on_startup
def configure(env: str = "dev") -> None:
    # Runs before the broker connects; gets --env from the command line.
    settings["env"] = env


@app.after_startup
async def announce(logger: Logger) -> None:
    logger.info("greeter is consuming")


@get
async def live(scope) -> AsgiResponse:
    return AsgiResponse(b"", status_code=204)


asgi = app.as_asgi(
    asgi_routes=[("/livez", live), ("/readyz", make_ping_asgi(broker, timeout=2.0))],
    asyncapi_path="/asyncapi",
)

"""NATS over TLS with a token, the CA given as a file.

Run it with ``uvicorn examples.security.nats_tls:app`` against
``nats-server --tls --tlscert server.pem --tlskey server-key.pem --auth $NATS_TOKEN``:
``NATS_URL`` (default ``nats://localhost:4222``), ``NATS_CA_FILE``, ``NATS_TOKEN``.
"""

# --8<-- [start:security]
import os

from fastapi import FastAPI

from faststream_fastapi.nats.fastapi import NatsRouter
from faststream_fastapi.security import Token

security = Token(os.environ["NATS_TOKEN"], ca_file=os.environ["NATS_CA_FILE"])
router = NatsRouter(os.environ.get("NATS_URL", "nats://localhost:4222"), security=security)
# --8<-- [end:security]

greeted: list[str] = []


@router.subscriber("greetings")
async def greet(name: str) -> None:
    greeted.append(name)


@router.post("/greet/{name}")
async def send(name: str) -> dict:
    await router.broker.publish(name, "greetings")
    return {"sent": name}


@router.get("/greeted")
async def seen() -> list[str]:
    return greeted


app = FastAPI(lifespan=router.lifespan_context)
app.include_router(router)

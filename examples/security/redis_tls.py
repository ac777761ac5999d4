"""Redis over TLS as an ACL user, from a FastAPI app.

Run it with ``uvicorn examples.security.redis_tls:app`` against a TLS Redis:
``REDIS_URL`` (default ``redis://localhost:6380``), ``REDIS_CA_FILE`` (the CA
that signed the server's certificate), ``REDIS_USER`` and ``REDIS_PASSWORD``.
Then ``curl -X POST localhost:8000/greet/ann`` and ``curl localhost:8000/greeted``.
"""

# --8<-- [start:security]
import os
import ssl

from fastapi import FastAPI

from faststream_fastapi.redis.fastapi import RedisRouter
from faststream_fastapi.security import SASLPlaintext

ssl_context = ssl.create_default_context(cafile=os.environ["REDIS_CA_FILE"])
security = SASLPlaintext(
    username=os.environ.get("REDIS_USER", "alice"),
    password=os.environ["REDIS_PASSWORD"],
    ssl_context=ssl_context,
)
router = RedisRouter(os.environ.get("REDIS_URL", "redis://localhost:6380"), security=security)
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

"""The AsyncAPI docs behind HTTP Basic credentials, the readiness probe behind a key.

``docs_dependencies`` guard the docs routes only (page, JSON, YAML and the page's
assets); subscribers never run them, a message carries no HTTP credentials. The
credentials come from the environment; without them every request is refused.
"""

import os
import secrets
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import APIKeyHeader, HTTPBasic, HTTPBasicCredentials

from faststream_fastapi.redis.fastapi import RedisRouter

basic = HTTPBasic()


def docs_reader(credentials: Annotated[HTTPBasicCredentials, Depends(basic)]) -> None:
    """401 unless the request carries ``DOCS_USER`` / ``DOCS_PASSWORD``."""
    expected = os.environ.get("DOCS_PASSWORD", "")
    user_ok = secrets.compare_digest(
        credentials.username.encode(), os.environ.get("DOCS_USER", "docs").encode()
    )
    # compare_digest takes the same time however much matches: no guessing by timing.
    password_ok = secrets.compare_digest(credentials.password.encode(), expected.encode())
    if not (expected and user_ok and password_ok):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Unauthorized", {"WWW-Authenticate": "Basic"}
        )


probe_key = APIKeyHeader(name="X-Probe-Key", auto_error=False)


def probe_caller(key: Annotated[str | None, Depends(probe_key)]) -> None:
    """401 unless the request carries the ``PROBE_KEY`` header."""
    expected = os.environ.get("PROBE_KEY", "")
    if not (expected and key and secrets.compare_digest(key.encode(), expected.encode())):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Unauthorized")


router = RedisRouter(
    os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"),
    docs_dependencies=[Depends(docs_reader)],
)
# Kubernetes probes send no credentials: guard a probe only when its callers can.
router.add_ready_route("/ready", timeout=2.0, dependencies=[Depends(probe_caller)])


@router.subscriber("orders")
async def take_order(order: dict[str, int]) -> None: ...


app = FastAPI(lifespan=router.lifespan_context)
app.include_router(router)

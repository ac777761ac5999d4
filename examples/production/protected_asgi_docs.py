"""An ``AsgiFastStream`` app whose AsyncAPI docs need a bearer token; probes stay open.

``AsgiFastStream`` has no dependency injection: wrap the ASGI app, and serve the
wrapper (``faststream-fastapi run examples.production.protected_asgi_docs:protected``).
"""

import os
import secrets

from starlette.types import ASGIApp, Receive, Scope, Send

from faststream_fastapi.asgi import AsgiFastStream, AsgiResponse, make_ping_asgi
from faststream_fastapi.redis import RedisBroker

broker = RedisBroker(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"))
app = AsgiFastStream(
    broker,
    asgi_routes=[("/health", make_ping_asgi(broker, timeout=2.0))],
    asyncapi_path="/docs",
)


class RequireToken:
    """401 for HTTP requests under ``prefix`` without ``Authorization: Bearer <token>``.

    Everything else, the lifespan included, goes to ``app`` untouched.
    """

    def __init__(self, app: ASGIApp, prefix: str, token_variable: str) -> None:
        self.app = app
        self.prefix = prefix
        self.token_variable = token_variable

    def authorized(self, scope: Scope) -> bool:
        token = os.environ.get(self.token_variable, "")
        given = dict(scope["headers"]).get(b"authorization", b"")
        return bool(token) and secrets.compare_digest(given, f"Bearer {token}".encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        guarded = scope["type"] == "http" and scope["path"].startswith(self.prefix)
        if guarded and not self.authorized(scope):
            headers = {"www-authenticate": "Bearer", "content-type": "text/plain"}
            await AsgiResponse(b"Unauthorized", 401, headers)(scope, receive, send)
            return
        await self.app(scope, receive, send)


# /docs, /docs.json, /docs.yaml and /docs/static/... need the token.
protected = RequireToken(app, "/docs", "DOCS_TOKEN")

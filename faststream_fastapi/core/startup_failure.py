"""A failed startup, reported by the server as one line when our error says what is wrong.

Starlette reports an exception in a lifespan as its formatted traceback. A FastAPI
app whose ``StreamRouter`` cannot reach its broker has logged the reason already
(one line naming broker and address); the server is then told the error's one
line too, as ``AsgiFastStream`` does: under ``faststream-fastapi run`` (which
wraps the app) and under any other server (the router, when included, wraps
the lifespan of the app's router).
"""

from __future__ import annotations

from typing import Any

from .errors import FastStreamError

Message = dict[str, Any]


def short_startup_failure(app: Any) -> Any:
    """``app``, whose ``lifespan.startup.failed`` message is ``Type: text`` when the
    exception behind it is one of ours; everything else passes through unchanged."""

    async def wrapped(scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold_failure(message: Message) -> None:
            if message["type"] == "lifespan.startup.failed":
                held.append(message)  # sent once we know what was raised
            else:
                await send(message)

        try:
            await app(scope, receive, hold_failure)
        except FastStreamError as exc:
            if held:
                held[0] = {**held[0], "message": f"{type(exc).__name__}: {exc}"}
            raise
        finally:
            if held:
                await send(held[0])

    return wrapped


_SHORTENED = "__faststream_fastapi_short_startup_failure__"


def shorten_startup_failures(router: Any) -> None:
    """Make a Starlette ``router``'s lifespan report our startup errors as one line.

    Starlette's router runs the lifespan through its ``lifespan`` method; this
    sets an instance attribute in its place, once. HTTP requests do not pass here.
    """
    lifespan = getattr(router, "lifespan", None)
    if lifespan is None or getattr(lifespan, _SHORTENED, False):
        return
    shortened = short_startup_failure(lifespan)
    setattr(shortened, _SHORTENED, True)
    router.lifespan = shortened

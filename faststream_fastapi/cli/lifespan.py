"""A failed startup, reported by the server as one line when our error says what is wrong.

Starlette reports an exception in a lifespan as its formatted traceback. Under
``faststream-fastapi run`` a FastAPI app whose ``StreamRouter`` cannot reach
its broker has logged the reason already (one line naming broker and address);
the server is then told the error's one line too, as ``AsgiFastStream`` does.
"""

from __future__ import annotations

from typing import Any

from ..core.errors import FastStreamError

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

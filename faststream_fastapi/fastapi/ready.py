"""``StreamRouter.add_ready_route``: the readiness route of a router's broker."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from fastapi import params
from fastapi.responses import Response


def add_ready_route(
    router: Any,  # a ``StreamRouter``: this is its ``add_ready_route`` method
    path: str = "/ready",
    *,
    timeout: float = 5.0,
    include_in_schema: bool = False,
    dependencies: Sequence[params.Depends] = (),
) -> None:
    """``GET path``: 204 when ``broker.ready(timeout)``, else 503 with no body.

    Not ready when the broker is unreachable or a subscriber's consume task
    died; the answer never says why (no exception text, host or version).
    ``dependencies`` run first, as on any FastAPI route (e.g. to require
    credentials). Call it before ``app.include_router(router)``.
    """
    broker = router.broker

    async def ready() -> Response:
        try:
            ok = await asyncio.wait_for(broker.ready(timeout), timeout)
        except Exception:  # a timeout or a broken connection: not ready
            ok = False
        return Response(status_code=204 if ok else 503)

    router.add_api_route(
        path,
        ready,
        methods=["GET"],
        include_in_schema=include_in_schema,
        name="ready",
        dependencies=list(dependencies),
    )

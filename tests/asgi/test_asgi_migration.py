"""The seeds' surface as FastStream 0.5 has it (issue #15, section 5)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from faststream_fastapi import FastStream
from faststream_fastapi.asgi import AsgiFastStream, make_ping_asgi
from faststream_fastapi.redis import RedisBroker, TestRedisBroker
from servers import free_port


def test_lifespan_context_is_always_callable() -> None:
    for app in (FastStream(), AsgiFastStream(), FastStream(RedisBroker()).as_asgi()):
        assert callable(app.lifespan_context)


async def test_the_default_lifespan_context_enters_and_leaves() -> None:
    async with FastStream().lifespan_context():
        pass


async def test_ping_with_timeout_none_has_no_limit() -> None:
    broker = RedisBroker()
    ping = make_ping_asgi(broker, timeout=None)
    app = AsgiFastStream(broker, asgi_routes=[("/health", ping)], logger=None)
    transport = httpx.ASGITransport(app=app)
    async with TestRedisBroker(broker), httpx.AsyncClient(transport=transport) as http:
        assert (await http.get("http://test/health")).status_code == 204


async def test_exit_stops_run() -> None:
    broker = RedisBroker()
    stopped: list[str] = []
    app = AsgiFastStream(broker, logger=None)

    @app.after_shutdown
    async def bye() -> None:
        stopped.append("bye")

    async with TestRedisBroker(broker):
        port = free_port()
        run: asyncio.Task[Any] = asyncio.create_task(
            app.run(run_extra_options={"host": "127.0.0.1", "port": port})
        )
        async with httpx.AsyncClient() as http:
            for _ in range(200):
                try:
                    await http.get(f"http://127.0.0.1:{port}/")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
        app.exit()
        await asyncio.wait_for(run, 10)
    assert stopped == ["bye"]
